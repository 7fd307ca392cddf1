"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def checked_vars(values: list[str] | None) -> list[str] | None:
    """``--var`` takes NAME=VALUE: anything else is a usage error, before any file is read."""
    from ncplan.config.variables import split_override  # the one rule, imported on use

    for value in values or ():
        if split_override(value) is None:
            raise typer.BadParameter(f"{value!r} is not NAME=VALUE")
    return values


VarOption = Annotated[list[str] | None, typer.Option(
    "--var", "-var", metavar="NAME=VALUE", callback=checked_vars,
    help="Set a variable (repeatable).")]
VarFileOption = Annotated[list[Path] | None, typer.Option(
    "--var-file", "-var-file", metavar="FILE", help="Read variables from a file (repeatable).")]
RefreshOnlyOption = Annotated[bool, typer.Option(
    "--refresh-only", "-refresh-only",
    help="Only record in the state what changed outside ncplan.")]
ParallelismOption = Annotated[int, typer.Option(
    "--parallelism", "-parallelism", metavar="N", min=1, help="How many requests run at once.")]

