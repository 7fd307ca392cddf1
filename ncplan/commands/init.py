"""``ncplan init``: write a starter ncplan.hcl in the configuration directory, never overwriting."""

from __future__ import annotations

import typer

from ncplan.orchestration.context import AppContext
from ncplan.starter import write_starter
from ncplan.views.console import make_console
from ncplan.views.init import render_initialized


def command(ctx: typer.Context) -> None:
    """Write a starter ncplan.hcl: the seed guide's db and web, and the web -> db intention."""
    app = AppContext.of(ctx)
    path = write_starter(app.directory)
    render_initialized(make_console(stderr=False, color=app.color), path)
