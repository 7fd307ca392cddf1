"""What ``ncplan fmt`` prints: the names of the files it changed (or would change), their
unified diffs, the formatted text of standard input, and syntax errors.

Names, diffs and text are data: plain, on stdout, never wrapped. Syntax errors are
diagnostics on stderr, shown as ``validate`` shows them.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable

from ncplan.diagnostics import Diagnostic
from ncplan.views.console import make_console
from ncplan.views.errors import render_diagnostics


def print_name(name: str) -> None:
    sys.stdout.write(name + "\n")
    sys.stdout.flush()


def unified_diff(name: str, before: str, after: str) -> str:
    """``--- old/NAME`` / ``+++ new/NAME`` and the hunks, as ``terraform fmt -diff``."""
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"old/{name}", tofile=f"new/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def print_diff(name: str, before: str, after: str) -> None:
    sys.stdout.write(unified_diff(name, before, after))
    sys.stdout.flush()


def print_text(text: str) -> None:
    """Formatted standard input, byte for byte (no newline added)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def print_problems(diagnostics: Iterable[Diagnostic], *, color: bool) -> None:
    render_diagnostics(make_console(stderr=True, color=color), diagnostics)
