"""Ctrl-C and SIGTERM, handled the same way however ncplan was started.

Python installs its SIGINT handler only when SIGINT is not ignored at startup, and a
background job of a non-interactive shell (``ncplan apply & wait`` in a script) starts
with SIGINT ignored: Ctrl-C and ``kill -INT`` then did nothing. :func:`install` sets both
handlers explicitly. The first two signals raise :class:`KeyboardInterrupt` in the main
thread (apply: the first stops starting steps, the second stops at once; the other
commands stop at the first); later ones are only counted, so the exit under way (a lock
being released) is not cut short by a traceback. :func:`leave` exits without waiting for
an engine thread still in a request.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import NoReturn

RAISED = 2  # signals that raise KeyboardInterrupt; later ones are only counted
ENGINE_THREADS = "ncplan-apply"  # the apply engine's thread names start so


class Interrupts:
    """The handler for SIGINT and SIGTERM; ``received`` counts both."""

    def __init__(self) -> None:
        self.received = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1
        if self.received <= RAISED:
            raise KeyboardInterrupt


def install() -> Interrupts:
    """Handle SIGINT and SIGTERM (call from the main thread, before any work)."""
    handler = Interrupts()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)
    return handler


def engine_busy() -> bool:
    """Whether an apply engine thread is still alive (after an interrupt: a rollout's
    blocking query, a write in flight)."""
    return any(t.name.startswith(ENGINE_THREADS) and t.is_alive()
               for t in threading.enumerate())


def leave(code: int) -> NoReturn:
    """Exit with ``code``; at once when an engine thread is still in a request, which
    would otherwise keep the interpreter alive until the request ends (the caller has
    released the lock and written the state already)."""
    if engine_busy():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
