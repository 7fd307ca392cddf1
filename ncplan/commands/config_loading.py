"""Load the configuration for a read-only command and show its warnings on stderr."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ncplan.commands.context import AppContext
from ncplan.config.model import Config
from ncplan.views.console import make_console
from ncplan.views.errors import render_diagnostics


def load(app: AppContext, var_overrides: Sequence[str], var_files: Sequence[Path]) -> Config:
    """``load_config`` on the command's directory; raises ConfigError when invalid."""
    from ncplan.config import load_config  # the loader module, imported on use

    result = load_config(app.directory, var_overrides=tuple(var_overrides),
                         var_files=tuple(var_files))
    if result.warnings:
        render_diagnostics(make_console(stderr=True, color=app.color), result.warnings)
    return result.config
