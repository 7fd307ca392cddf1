"""Atomic file writes: temp file in the same directory, fsync, rename, fsync the directory;
and reading a file that may not exist."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from ncplan.errors import StateError

FILE_MODE = 0o600


class NotSyncedError(OSError):
    """The new file was renamed into place, but fsync of its directory failed.

    Readers see the new content now; a system crash before the disk catches up could
    bring back the old file. Unlike any other OSError of :func:`atomic_write`, the old
    content is no longer in place.
    """


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(path: Path) -> Path:
    """``.NAME.tmp-PID-RANDOM`` beside ``path``: the pid tells whose it is."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove temp files of ``path`` left by writers that died between write and rename.

    A temp file whose process is still alive is kept (it may be mid-write).
    """
    removed = []
    for temp in path.parent.glob(f".{path.name}.tmp-*"):
        pid_text = temp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            with contextlib.suppress(OSError):
                temp.unlink()
                removed.append(temp)
    return removed


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old or the new file, never a mix.

    The temp file is created 0600 with O_EXCL beside ``path``; any OSError (disk full,
    permission) removes it and leaves ``path`` as it was, except :class:`NotSyncedError`
    (raised after the rename: ``path`` holds ``data``). The caller maps OSError.
    """
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        fsync_directory(path.parent)
    except OSError as error:
        raise NotSyncedError(error.errno, error.strerror or str(error)) from error


def read_optional(path: Path, what: str) -> bytes | None:
    """The bytes of ``path``, None when it does not exist; any other failure a StateError
    naming the file (``what``: what it holds, e.g. ``the state``)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateError(f"{path}: cannot read {what}: {error.strerror}") from error
