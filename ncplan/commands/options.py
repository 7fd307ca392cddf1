"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

VarOption = Annotated[list[str] | None, typer.Option(
    "--var", "-var", metavar="NAME=VALUE", help="Set a variable (repeatable).")]
VarFileOption = Annotated[list[Path] | None, typer.Option(
    "--var-file", "-var-file", metavar="FILE", help="Read variables from a file (repeatable).")]
RefreshOnlyOption = Annotated[bool, typer.Option(
    "--refresh-only", "-refresh-only",
    help="Only record in the state what changed outside ncplan.")]
ParallelismOption = Annotated[int, typer.Option(
    "--parallelism", "-parallelism", metavar="N", min=1, help="How many requests run at once.")]

