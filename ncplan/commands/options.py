"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

VarOption = Annotated[list[str] | None, typer.Option(
    "--var", help="Set a variable: name=value (repeatable).")]
VarFileOption = Annotated[list[Path] | None, typer.Option(
    "--var-file", help="Read variables from a file (repeatable).")]
RefreshOnlyOption = Annotated[bool, typer.Option(
    "--refresh-only", help="Only record in the state what changed outside ncplan.")]
ParallelismOption = Annotated[int, typer.Option(
    "--parallelism", min=1, help="How many requests run at once.")]

