"""Command-line options that several commands share, declared once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def checked_vars(values: list[str] | None) -> list[str] | None:
    """``--var`` takes NAME=VALUE: anything else is a usage error, before any file is read."""
    from ncplan.config.variables import split_override  # the one rule, imported on use

    for value in values or ():
        if split_override(value) is None:
            raise typer.BadParameter(f"{value!r} is not NAME=VALUE")
    return values


def parse_duration(text: str) -> float:
    """``"30s"``, ``"2m"``, ``"1m30s"``, ``"500ms"``, ``"0s"`` or plain seconds -> seconds;
    ValueError for anything else."""
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    if not value or _DURATION.sub("", value) != "":
        raise ValueError(f'invalid duration {text!r} (use e.g. "0s", "30s", "2m", "1m30s")')
    return sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(value))


def checked_duration(value: str) -> str:
    """A duration flag: anything :func:`parse_duration` refuses is a usage error naming the
    flag, before any file is read or any lock taken."""
    try:
        parse_duration(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    return value


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

LockTimeout = Annotated[str, typer.Option(
    "--lock-timeout", "-lock-timeout", metavar="DURATION", callback=checked_duration,
    help='How long to wait for the state lock, e.g. "30s", "2m".')]
WaitTimeout = Annotated[str, typer.Option(
    "--wait-timeout", metavar="DURATION", callback=checked_duration,
    help="How long to wait for each rollout.")]
