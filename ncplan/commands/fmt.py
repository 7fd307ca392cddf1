"""``ncplan fmt [-check] [-diff] [-recursive] [PATH... | -]``: the canonical style, as
``nomad fmt`` and ``terraform fmt`` write it.

Without PATH, the configuration directory (``-C``). Files that change are rewritten and
named; ``-check`` writes nothing and exits 3 when a file would change; ``-diff`` shows
the changes; ``-`` formats standard input to standard output. A syntax error is shown
as ``validate`` shows it, and the file is left as it is: exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ncplan.commands.formatting import (
    FileResult,
    files_to_format,
    format_file,
    format_text,
    write_back,
)
from ncplan.orchestration.context import AppContext
from ncplan.views.fmt import print_diff, print_name, print_problems, print_text

STDIN = "-"
NEEDS_FORMATTING = 3  # terraform fmt -check's exit code


def command(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH", show_default=False,
        help="Files or directories to format (default: the configuration directory); "
             "- for standard input.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", "-check", help="Write nothing; exit 3 when a file needs formatting.")
    ] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", "-diff", help="Show the changes as a unified diff.")] = False,
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-recursive", help="Also format the files of subdirectories.")
    ] = False,
) -> None:
    """Rewrite HCL files in the canonical style (as nomad fmt and terraform fmt)."""
    app = AppContext.of(ctx)
    names = paths or []
    if STDIN in names:
        if len(names) > 1:
            raise typer.BadParameter("- (standard input) cannot be given with other paths",
                                     param_hint="PATH")
        results = [_standard_input(check, diff)]
    else:
        targets = [Path(name) for name in names] or [app.directory]
        results = [_file(path, check, diff) for path in files_to_format(targets, recursive)]
    problems = [d for result in results for d in result.diagnostics]
    if problems:
        print_problems(problems, color=app.color)
        raise typer.Exit(1)
    if check and any(result.changed for result in results):
        raise typer.Exit(NEEDS_FORMATTING)


def _file(path: Path, check: bool, diff: bool) -> FileResult:
    result = format_file(path)
    if result.changed:
        if not check:
            write_back(path, result.after)
        print_name(result.name)
        if diff:
            print_diff(result.name, result.before, result.after)
    return result


def _standard_input(check: bool, diff: bool) -> FileResult:
    result = format_text("<stdin>", sys.stdin.buffer.read())
    if result.diagnostics:
        return result
    if diff:
        if result.changed:
            print_diff(result.name, result.before, result.after)
    elif not check:
        print_text(result.after)
    return result
