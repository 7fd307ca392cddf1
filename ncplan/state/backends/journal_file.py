"""The local backend's state journal file (``<state>.journal``): created atomically with
its header, then appended to, one fsynced line per persisted change (the format:
:mod:`ncplan.state.journal`). Created 0600 like the state."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ncplan.state.backends.files import atomic_write, fsync_directory, read_optional


class JournalFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._length = 0  # bytes known to be complete and synced

    @property
    def description(self) -> str:
        return str(self.path)

    def load(self) -> bytes | None:
        return read_optional(self.path, "the state journal")

    def start(self, header: bytes) -> None:
        """Replace any journal with one holding ``header`` (durable, directory included)."""
        self.close()
        atomic_write(self.path, header)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._length = len(header)

    @property
    def started(self) -> bool:
        return self._fd is not None

    def append(self, line: bytes) -> None:
        """Append ``line`` and fsync it. On any OSError the journal is cut back to what it
        held before (a torn line would be ignored by readers anyway), then closed: the
        next change is stored whole."""
        fd = self._fd
        assert fd is not None, "append before start"
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fdatasync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._length)
                os.fdatasync(fd)
            self.close()
            raise
        self._length += len(line)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def remove(self) -> None:
        """Remove the journal (once the state file holds everything in it)."""
        self.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        with contextlib.suppress(OSError):  # if it comes back after a crash, it is stale
            fsync_directory(self.path.parent)
