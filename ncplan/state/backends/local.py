"""The local backend: one JSON file beside the configuration (``ncplan.state.json``).

Each store keeps the previous file as ``<name>.backup`` and replaces the state with
:func:`atomic_write`, so a failure half way (disk full, SIGKILL before the rename)
leaves the old state readable; the temp file such a crash leaves is removed by the next
store (once its writer's pid is gone). Files are created 0600. Locking: :mod:`.flock`.
"""

from __future__ import annotations

import errno
from pathlib import Path

from ncplan.errors import StateError
from ncplan.state.backends.files import (
    NotSyncedError,
    atomic_write,
    read_optional,
    remove_stale_temps,
)
from ncplan.state.backends.flock import FileLocker
from ncplan.state.backends.journal_file import JournalFile
from ncplan.state.manager import StateManager


class LocalStorage:
    """The state file, its backup, and nothing else."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._backup_path = path.with_name(path.name + ".backup")

    @property
    def backup_path(self) -> Path:
        return self._backup_path

    @property
    def description(self) -> str:
        return str(self.path)

    def load(self) -> bytes | None:
        return read_optional(self.path, "the state")

    def store(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            for stale in (self.path, self.backup_path):
                remove_stale_temps(stale)
            previous = self.load()
            if previous is not None:
                atomic_write(self.backup_path, previous)
        except OSError as error:  # NotSyncedError of the backup too: the state is untouched
            raise self._write_error(error) from error
        try:
            atomic_write(self.path, data)
        except NotSyncedError as error:
            raise StateError(
                f"{self.path}: the new state is in place, but syncing its directory failed: "
                f"{error.strerror}; a system crash before the disk catches up could bring "
                "back the previous state", hint="check the disk; ncplan state pull shows "
                "what is stored") from error
        except OSError as error:
            raise self._write_error(error) from error

    def _write_error(self, error: OSError) -> StateError:
        reason = error.strerror or str(error)
        hint = "free some disk space and retry" if error.errno == errno.ENOSPC else None
        return StateError(f"{self.path}: cannot write the state: {reason}; "
                          "the previous state is unchanged", hint=hint)


def lock_path_for(path: Path) -> Path:
    """``.ncplan.state.json.lock`` beside ``ncplan.state.json``."""
    return path.with_name(f".{path.name}.lock")


def open_local(path: Path) -> StateManager:
    return StateManager(LocalStorage(path), FileLocker(lock_path_for(path)),
                        JournalFile(journal_path_for(path)))


def journal_path_for(path: Path) -> Path:
    """``ncplan.state.json.journal`` beside ``ncplan.state.json``."""
    return path.with_name(path.name + ".journal")
