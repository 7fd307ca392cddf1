"""What every command gets from the global options (``-C``, ``--no-color``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import typer


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
