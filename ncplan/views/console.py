"""The two Rich consoles: stdout for data, stderr for diagnostics and progress."""

from __future__ import annotations

import os

from rich.console import Console


def make_console(*, stderr: bool, color: bool = True) -> Console:
    """A console that writes plain text when colour is off or the stream is not a terminal."""
    no_color = not color or "NO_COLOR" in os.environ
    return Console(stderr=stderr, no_color=no_color, highlight=False,
                   color_system=None if no_color else "auto", soft_wrap=True)
