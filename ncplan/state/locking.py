"""The lock protocol (:class:`Locker`), lock info, and waiting for a lock with backoff.

Pure helpers shared by both backends and by every command that takes the lock.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from ncplan import __version__
from ncplan.errors import LockInfo, StateLockedError


def who() -> str:
    """``user@host`` of this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def new_lock_info(operation: str, path: str = "") -> LockInfo:
    return LockInfo(
        id=str(uuid.uuid4()),
        operation=operation,
        who=who(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        version=__version__,
        path=path,
        extra={"pid": str(os.getpid()), "host": socket.gethostname()},
    )


def lock_info_to_json(info: LockInfo) -> bytes:
    """Terraform's lock info keys, plus ``Extra`` (pid and host of the holder)."""
    return json.dumps({
        "ID": info.id, "Operation": info.operation, "Info": info.info, "Who": info.who,
        "Version": info.version, "Created": info.created, "Path": info.path,
        "Extra": dict(info.extra),
    }, indent=2).encode()


def lock_info_from_json(data: bytes) -> LockInfo | None:
    """Lock info as written by :func:`lock_info_to_json`; None when unreadable (half written)."""
    try:
        doc: Any = json.loads(data)
        return LockInfo(
            id=str(doc["ID"]), operation=str(doc["Operation"]), who=str(doc["Who"]),
            created=str(doc["Created"]), version=str(doc.get("Version", "")),
            path=str(doc.get("Path", "")), info=str(doc.get("Info", "")),
            extra={str(k): str(v) for k, v in dict(doc.get("Extra") or {}).items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@runtime_checkable
class Locker(Protocol):
    """The one lock protocol of ncplan.

    Both backends' lockers (``FileLocker``, ``ConsulLocker``) have this shape,
    ``StateManager`` passes it through, and :func:`acquire` and :func:`locked` take it.
    """

    def lock(self, info: LockInfo) -> str:
        """Take the lock or raise StateLockedError carrying the holder's info; returns its ID."""
        ...

    def unlock(self, lock_id: str) -> None:
        """Release a lock this process holds; a wrong ID is a StateError."""
        ...

    def force_unlock(self, lock_id: str) -> str:
        """Remove a lock left by someone else, only when ``lock_id`` matches; says what it did."""
        ...


def acquire(locker: Locker, info: LockInfo, timeout: float,
            sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> str:
    """Take the lock, retrying with exponential backoff (0.1 s doubling up to 2 s) until
    ``timeout`` seconds have passed; then re-raise the last StateLockedError (holder info)."""
    deadline = clock() + timeout
    delay = 0.1
    while True:
        try:
            return locker.lock(info)
        except StateLockedError:
            remaining = deadline - clock()
            if remaining <= 0:
                raise
            sleep(min(delay, remaining))
            delay = min(delay * 2, 2.0)


@contextmanager
def locked(locker: Locker, operation: str, timeout: float, path: str = "") -> Iterator[str]:
    """Hold the lock for the ``with`` body; released on return, on error and on Ctrl-C.

    When the body fails and releasing the lock fails too, the body's error is the one
    raised (it says why the run stopped), with the release failure attached as a note.
    """
    lock_id = acquire(locker, new_lock_info(operation, path), timeout)
    try:
        yield lock_id
    except BaseException as error:
        try:
            locker.unlock(lock_id)
        except Exception as unlock_error:  # any failure: reported as a note, never lost
            reason = getattr(unlock_error, "message", None) or str(unlock_error)
            error.add_note(f"then releasing the state lock {lock_id} failed: {reason}")
        raise
    locker.unlock(lock_id)
