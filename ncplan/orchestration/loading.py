"""Load the configuration for a read-only command and show its warnings on stderr; the
state manager a directory's configuration declares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ncplan.address import job_address
from ncplan.config.model import BackendConfig, Config, ConsulSettings
from ncplan.config.rawjob import is_partial_note, with_parsed_dependencies
from ncplan.diagnostics import Diagnostic
from ncplan.orchestration.context import AppContext
from ncplan.secret_text import keep_out_of_errors
from ncplan.state import StateManager, open_backend
from ncplan.views.console import make_console
from ncplan.views.errors import render_diagnostics

if TYPE_CHECKING:
    from ncplan.config.loader import LoadResult


def load(app: AppContext, var_overrides: Sequence[str], var_files: Sequence[Path], *,
         nomad_parses: bool = False) -> Config:
    """``load_config`` on the command's directory; raises ConfigError when invalid.

    ``nomad_parses``: raw jobs will be parsed by Nomad, so the note that their graph
    read from the HCL text is partial is not shown.
    """
    result = _load_result(app, var_overrides, var_files)
    _show_warnings(app, [w for w in result.warnings
                        if not (nomad_parses and is_partial_note(w))])
    return result.config


def load_parsed_by_nomad(app: AppContext, var_overrides: Sequence[str],
                         var_files: Sequence[Path]) -> Config:
    """:func:`load`, with raw jobs whose dependencies the HCL text shows partially
    (``dynamic`` blocks) parsed by Nomad when it can be reached: their dependencies are
    then complete and their partial note is not shown."""
    from ncplan.orchestration.refresh import parse_partial_jobs  # requests: imported on use

    result = _load_result(app, var_overrides, var_files)
    parsed = parse_partial_jobs(result.config)
    config = with_parsed_dependencies(result.config, parsed) if parsed else result.config
    addresses = {job_address(name) for name in parsed}
    _show_warnings(app, [w for w in result.warnings
                        if not (is_partial_note(w) and w.address in addresses)])
    return config


def _load_result(app: AppContext, var_overrides: Sequence[str],
                var_files: Sequence[Path]) -> LoadResult:
    """The configuration; its sensitive values are kept out of every error from here on."""
    from ncplan.config import load_config  # the loader module, imported on use

    result = load_config(app.directory, var_overrides=tuple(var_overrides),
                         var_files=tuple(var_files))
    keep_out_of_errors(result.config.sensitive_values())
    return result


def _show_warnings(app: AppContext, warnings: Sequence[Diagnostic]) -> None:
    if warnings:
        render_diagnostics(make_console(stderr=True, color=app.color), warnings)


def config_from_directory(app: AppContext, var: Sequence[str] | None = None,
                          var_file: Sequence[Path] | None = None) -> Config | None:
    """The configuration in ``app.directory`` (variable values as ``--var``/``--var-file``
    give them), or None when the directory has no ``*.hcl`` file."""
    if not any(app.directory.glob("*.hcl")):
        return None
    return load(app, var or (), var_file or ())


def backend_for(app: AppContext, config: Config | None) -> StateManager:
    """The state manager ``config`` declares; without one, the default local file."""
    if config is None:
        return open_backend(BackendConfig(), app.directory, ConsulSettings())
    return open_backend(config.backend, app.directory, config.consul)


def backend_from_directory(app: AppContext, var: Sequence[str] | None = None,
                           var_file: Sequence[Path] | None = None) -> StateManager:
    """The state manager of the configuration in ``app.directory``."""
    return backend_for(app, config_from_directory(app, var, var_file))
