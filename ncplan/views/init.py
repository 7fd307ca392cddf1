"""What ``ncplan init`` says after writing the starter configuration."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape


def render_initialized(console: Console, path: Path) -> None:
    console.print(f"[bold green]Wrote[/] {escape(str(path))}: services db and web "
                  "(builtin sidecars), intention web -> db.")
    console.print("Next: edit the two commands, then `ncplan validate` and `ncplan render`.")
