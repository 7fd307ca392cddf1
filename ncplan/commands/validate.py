"""``ncplan validate [--json]``: is the configuration valid? Exit 0 valid, 1 invalid."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ncplan.commands.context import AppContext
from ncplan.commands.options import VarFileOption, VarOption
from ncplan.config import load_config
from ncplan.diagnostics import Diagnostic
from ncplan.errors import ConfigError
from ncplan.views.console import make_console
from ncplan.views.errors import render_diagnostics


def _report(diagnostics: tuple[Diagnostic, ...]) -> dict[str, object]:
    errors = sum(1 for d in diagnostics if d.is_error)
    return {
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(diagnostics) - errors,
        "diagnostics": [d.to_json() for d in diagnostics],
    }


def command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    var: VarOption = None,
    var_file: VarFileOption = None,
) -> None:
    """Check the configuration: syntax, types, references, names, cycles."""
    app = AppContext.of(ctx)
    try:
        result = load_config(app.directory, var or [], var_file or [])
        diagnostics = result.warnings
    except ConfigError as error:
        diagnostics = error.diagnostics
    report = _report(diagnostics)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        console = make_console(stderr=True, color=app.color)
        render_diagnostics(console, diagnostics)
        if report["valid"]:
            make_console(stderr=False, color=app.color).print(
                "[bold green]Success![/] The configuration is valid.")
        else:
            count = report["error_count"]
            console.print(f"[bold red]Error:[/] the configuration has {count} "
                          f"error{'s' if count != 1 else ''}")
    if not report["valid"]:
        raise typer.Exit(1)
