"""The local lock: an OS lock (``flock``) on a lock file, plus a lock-info sidecar.

``flock`` belongs to the open file, so the kernel releases it when the holder exits in
any way, SIGKILL included: a crashed run never leaves the state locked. The sidecar
``<lockfile>.info`` tells a second process who holds the lock (ID, operation, who,
when, version, pid). It is written after the flock is taken and removed before it is
released; a sidecar left by a killed process is stale and harmless (the next lock
overwrites it), and ``force-unlock ID`` deletes it.

``force-unlock`` cannot break a flock held by a live process (no process can take
another's open file away): it then says which pid holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

from ncplan.errors import LockInfo, StateError, StateLockedError
from ncplan.state.backends.files import FILE_MODE, atomic_write
from ncplan.state.locking import lock_info_from_json, lock_info_to_json


class FileLocker:
    """The local backend's :class:`~ncplan.state.locking.Locker`."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self.info_path = lock_path.with_name(lock_path.name + ".info")
        self._fd: int | None = None
        self._held: LockInfo | None = None

    def _open(self) -> int:
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as error:
            raise StateError(f"{self.lock_path}: cannot open the lock file: "
                             f"{error.strerror}") from error

    def _try_flock(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:
            raise StateError(f"{self.lock_path}: cannot lock: {error.strerror}") from error
        return True

    def read_info(self) -> LockInfo | None:
        try:
            return lock_info_from_json(self.info_path.read_bytes())
        except OSError:
            return None

    def _wait_for_info(self, patience: float = 1.0) -> LockInfo | None:
        """The holder writes its info right after taking the flock: give it a moment."""
        deadline = time.monotonic() + patience
        while (info := self.read_info()) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return info

    def lock(self, info: LockInfo) -> str:
        if self._held is not None:
            raise StateLockedError("the state is already locked by this process", self._held)
        fd = self._open()
        if not self._try_flock(fd):
            os.close(fd)
            raise StateLockedError(f"{self.lock_path.parent / self._state_name()} is locked",
                                   self._wait_for_info(),
                                   hint="wait with --lock-timeout, e.g. --lock-timeout 2m")
        try:
            atomic_write(self.info_path, lock_info_to_json(info))
        except OSError as error:
            os.close(fd)  # closing releases the flock
            raise StateError(f"{self.info_path}: cannot write the lock info: "
                             f"{error.strerror}") from error
        self._fd, self._held = fd, info
        return info.id

    def unlock(self, lock_id: str) -> None:
        if self._held is None or self._fd is None:
            raise StateError(f"cannot unlock {lock_id}: this process holds no lock")
        if lock_id != self._held.id:
            raise StateError(f"cannot unlock {lock_id}: the lock held is {self._held.id}")
        with contextlib.suppress(FileNotFoundError):
            self.info_path.unlink()
        fd, self._fd, self._held = self._fd, None, None
        os.close(fd)  # releases the flock

    def force_unlock(self, lock_id: str) -> str:
        if self._held is not None and self._held.id == lock_id:
            self.unlock(lock_id)
            return f"Released lock {lock_id}."
        info = self.read_info()
        fd = self._open()
        try:
            free = self._try_flock(fd)
            if not free:
                if info is None or info.id != lock_id:
                    shown = info.id if info is not None else "unknown"
                    raise StateError(f"lock ID {lock_id} does not match the lock held "
                                     f"(ID {shown})")
                pid = info.extra.get("pid", "?")
                host = info.extra.get("host", "?")
                raise StateLockedError(
                    f"lock {lock_id} is held by a running process (pid {pid} on {host}); "
                    "an OS lock cannot be broken from another process",
                    info, hint=f"stop that process (e.g. kill {pid}); its lock goes with it")
            if info is None:
                raise StateError("the state is not locked: there is no lock to remove")
            if info.id != lock_id:
                raise StateError(f"lock ID {lock_id} does not match the stale lock info "
                                 f"(ID {info.id})")
            with contextlib.suppress(FileNotFoundError):
                self.info_path.unlink()
            return (f"Removed stale lock info {lock_id} ({info.who}, {info.operation}): "
                    "its process is gone, so the state was not locked any more.")
        finally:
            os.close(fd)

    def _state_name(self) -> str:
        name = self.lock_path.name
        return name[1:-len(".lock")] if name.startswith(".") and name.endswith(".lock") else name
