"""Render errors and diagnostics for people (Rich, stderr) and for machines (JSON)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from ncplan.diagnostics import Diagnostic
from ncplan.errors import ConfigError, LockInfo, NcplanError, StateLockedError


def render_diagnostic(console: Console, diag: Diagnostic) -> None:
    """``Error: SUMMARY`` then ``  on FILE:LINE:COL:``, the source line, a caret and the detail."""
    style = "bold red" if diag.is_error else "bold yellow"
    label = "Error" if diag.is_error else "Warning"
    console.print(f"[{style}]{label}:[/] {escape(diag.summary)}")
    if diag.span is not None:
        where = f"  on {diag.span}"
        if diag.address:
            where += f", in {diag.address}"
        console.print(escape(where) + ":")
        if diag.source_line:
            shown, caret = _window(diag.source_line, diag.span.column)
            console.print(f"  {diag.span.line:>4} | {escape(shown)}")
            console.print("       | " + " " * caret + "^")
    elif diag.address:
        console.print(f"  in {escape(diag.address)}")
    if diag.detail:
        console.print("")
        for line in diag.detail.splitlines():
            console.print(f"  {escape(line)}")
    console.print("")


#: A source line longer than this is shown around the column only ("..." marks the cuts).
LINE_WIDTH = 120


def _window(line: str, column: int) -> tuple[str, int]:
    """The part of ``line`` to show and the caret's offset in it (``column`` is 1-based)."""
    at = max(column - 1, 0)
    if len(line) <= LINE_WIDTH:
        return line, at
    start = max(0, min(at - LINE_WIDTH // 2, len(line) - LINE_WIDTH))
    shown = line[start:start + LINE_WIDTH]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + LINE_WIDTH < len(line) else ""
    return prefix + shown + suffix, len(prefix) + at - start


def render_diagnostics(console: Console, diagnostics: Iterable[Diagnostic]) -> None:
    for diag in diagnostics:
        render_diagnostic(console, diag)


def describe_lock(info: LockInfo) -> str:
    """``state locked by alice@ci-42 for apply since 12:03:11 (ID ...)``."""
    since = info.created
    if "T" in since:
        since = since.split("T", 1)[1][:8]
    return f"state locked by {info.who} for {info.operation} since {since} (ID {info.id})"


def render_error(console: Console, error: NcplanError) -> None:
    """One error, shown once at the CLI: a one-line message and an optional hint."""
    if isinstance(error, ConfigError):
        render_diagnostics(console, error.diagnostics)
    if isinstance(error, StateLockedError) and error.info is not None:
        console.print(f"[bold red]Error:[/] {escape(error.message)}")
        console.print(f"  {escape(describe_lock(error.info))}")
    else:
        console.print(f"[bold red]Error:[/] {escape(error.message)}")
    render_notes(console, error)
    if error.hint:
        console.print(f"  [dim]Hint:[/] {escape(error.hint)}")


def render_notes(console: Console, error: BaseException) -> None:
    """Notes added to an error on its way up (e.g. a lock release that failed too)."""
    for note in getattr(error, "__notes__", ()):
        console.print(f"  {escape(str(note))}")


def render_interrupt(console: Console, interrupt: KeyboardInterrupt) -> None:
    """Ctrl-C (or SIGTERM): ``Interrupted.`` and the notes of the unwind."""
    console.print("Interrupted.")
    render_notes(console, interrupt)
