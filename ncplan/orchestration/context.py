"""What every command gets from the global options (``-C``, ``--no-color``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import typer

from ncplan.errors import NcplanError


@dataclass(frozen=True)
class AppContext:
    directory: Path
    color: bool

    @classmethod
    def of(cls, ctx: typer.Context) -> AppContext:
        obj = ctx.find_root().obj
        if isinstance(obj, AppContext):
            return obj
        return cls(directory=Path.cwd(), color="NO_COLOR" not in os.environ)


def require_directory(directory: Path) -> None:
    """``-C DIR`` must be a directory: every command reads or writes there, so a missing
    one is one error before any of them starts."""
    if directory.is_dir():
        return
    if directory.exists():
        raise NcplanError(f"{directory}: not a directory")
    raise NcplanError(f"{directory}: no such directory")
