"""Command-line options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

VarOption = Annotated[list[str] | None, typer.Option(
    "--var", help="Set a variable: name=value (repeatable).")]
VarFileOption = Annotated[list[Path] | None, typer.Option(
    "--var-file", help="Read variables from a file (repeatable).")]
