"""``ncplan validate [--json]``: is the configuration valid? Exit 0 valid, 1 invalid."""

from __future__ import annotations

from typing import Annotated

import typer

from ncplan.commands.options import VarFileOption, VarOption
from ncplan.config.loader import check_config
from ncplan.orchestration.context import AppContext
from ncplan.views.validate import ValidationReport, print_report


def command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option(
        "--json", "-json", help="Print the result as JSON.")] = False,
    var: VarOption = None,
    var_file: VarFileOption = None,
) -> None:
    """Check the configuration: syntax, types, references, names, cycles."""
    app = AppContext.of(ctx)
    report = ValidationReport(check_config(app.directory, var or [], var_file or []))
    print_report(report, as_json=as_json, color=app.color)
    if not report.valid:
        raise typer.Exit(1)
