"""Show a command-line usage error (an unknown flag, a missing argument) the way click words it."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape


def render_usage_error(console: Console, message: str, usage: str | None,
                       help_hint: str | None) -> None:
    """``Usage: ...``, ``Try 'ncplan ... --help' for help.``, a blank line, ``Error: MESSAGE``."""
    if usage is not None:
        console.print(escape(usage))
        if help_hint is not None:
            console.print(escape(help_hint))
        console.print("")
    console.print(f"[bold red]Error:[/] {escape(message)}")


def render_aborted(console: Console) -> None:
    console.print("Aborted!")
