"""State managers in the manner of Terraform's statemgr: small interfaces, one composition.

A backend supplies two things: a :class:`StateStorage` (bytes in, bytes out: a file, a
Consul KV path) and a :class:`~ncplan.state.locking.Locker` (the one lock protocol,
defined beside the helpers that take a lock). :class:`StateManager` composes them into
the :class:`Reader`, :class:`Writer`, :class:`Persister` and ``Locker`` interfaces that
the rest of ncplan uses, and owns the rules that do not depend on where the bytes live:
decoding and upgrades, the serial (up by one per persisted change, none for identical
content), the lineage (set once at creation), and the checks of ``state push``.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from ncplan import __version__
from ncplan.errors import LockInfo, StateError
from ncplan.state.codec import NEWER_FORMAT, StateEncoder, decode
from ncplan.state.locking import Locker
from ncplan.state.model import CURRENT_VERSION, State


@runtime_checkable
class Reader(Protocol):
    def read(self) -> State | None:
        """The persisted state, re-read from the backend; None when there is none yet."""
        ...


@runtime_checkable
class Writer(Protocol):
    def write(self, state: State) -> None:
        """Stage ``state`` in memory; nothing reaches the backend before :meth:`persist`."""
        ...


@runtime_checkable
class Persister(Protocol):
    def persist(self) -> State | None:
        """Store the staged state (if it changes anything) and return what is persisted."""
        ...


class StateStorage(Protocol):
    """Where the bytes of one state live."""

    @property
    def description(self) -> str:
        """A name for messages: the file path or ``consul:KV-PATH``."""
        ...

    @property
    def backup_path(self) -> Path | None:
        """Where each store keeps the previous version, if this storage does that."""
        ...

    def load(self) -> bytes | None:
        """The stored bytes, or None when no state was ever stored."""
        ...

    def store(self, data: bytes) -> None:
        """Replace the stored bytes atomically, keeping the previous version readable."""
        ...


class StateManager:
    """Reader + Writer + Persister + Locker over one storage and one locker."""

    def __init__(self, storage: StateStorage, locker: Locker) -> None:
        self._storage = storage
        self._locker = locker
        self._loaded = False
        self._persisted: State | None = None
        self._pending: State | None = None
        self._migrating = False
        self._encoder = StateEncoder()  # one per manager: an apply writes after each step

    @property
    def description(self) -> str:
        return self._storage.description

    @property
    def backup_path(self) -> Path | None:
        return self._storage.backup_path

    # Reader
    def read(self) -> State | None:
        """The persisted state. A state that cannot be read, or whose serial is lower than
        its backup's (same lineage: it went back in time, and the next write would replace
        the newer backup), is a StateError whose hint names the backup."""
        try:
            state = self._decoded()
            if state is not None:
                self._check_backup(state)
        except StateError as error:
            raise self._pointing_at_backup(error) from error
        return self._loaded_as(state)

    def _decoded(self) -> State | None:
        data = self._storage.load()
        return decode(data, self._storage.description) if data is not None else None

    def _loaded_as(self, state: State | None) -> State | None:
        self._persisted = state
        self._loaded = True
        self._pending = None
        self._migrating = False
        return state

    def _backup(self) -> State | None:
        """The backup, when there is one and it can be read (else it tells nothing)."""
        path = self._storage.backup_path
        try:
            return decode(path.read_bytes(), str(path)) if path is not None else None
        except (OSError, StateError):
            return None

    def _check_backup(self, state: State) -> None:
        backup = self._backup()
        if backup is not None and backup.lineage == state.lineage and (
                backup.serial > state.serial):
            raise StateError(
                f"{self.description}: serial {state.serial} is lower than serial "
                f"{backup.serial} of its backup {self._storage.backup_path}: the state went "
                "back in time (an older copy put in its place?); refusing to read it, and "
                "to overwrite the backup")

    def _pointing_at_backup(self, error: StateError) -> StateError:
        path = self._storage.backup_path
        if path is None or not path.exists() or error.message.endswith(NEWER_FORMAT):
            return error  # a newer ncplan reads it: restoring an older state is no answer
        return StateError(error.message, hint=(
            (f"{error.hint}; " if error.hint else "") +
            f"the previous state is kept in {path}; to restore it: "
            f"`ncplan state push --force {shlex.quote(str(path))}` (see \"Restoring a "
            "state from its backup\")"))

    # Writer
    def write(self, state: State) -> None:
        if not self._loaded:
            self.read()
        prior = self._persisted
        if prior is not None and state.lineage != prior.lineage:
            raise StateError(
                f"{self.description}: refusing to write a state of lineage {state.lineage} "
                f"over lineage {prior.lineage}")
        self._pending = state
        self._migrating = False

    def write_for_migration(self, state: State, *, force: bool = False) -> None:
        """Stage a whole state from elsewhere (``state push``): it keeps its own lineage.

        Unless ``force``, refuses another lineage, a lower serial, and a different state
        with the same serial, like ``terraform state push``. The current state is read
        without comparing it with its backup (pushing the backup restores it); with
        ``force``, a current state that cannot be read at all is replaced too.
        """
        try:
            prior = self._loaded_as(self._decoded())
        except StateError as error:
            if not force:
                raise StateError(f"cannot compare with the current state: {error.message}",
                                 hint="--force replaces it anyway") from error
            prior = self._loaded_as(None)
        if prior is not None and not force:
            if state.lineage != prior.lineage:
                raise StateError(
                    f"cannot push a state of lineage {state.lineage}: "
                    f"{self.description} has lineage {prior.lineage}",
                    hint="--force replaces it anyway")
            if state.serial < prior.serial:
                raise StateError(
                    f"cannot push serial {state.serial} over serial {prior.serial} "
                    f"in {self.description}: it is older", hint="--force replaces it anyway")
            if state.serial == prior.serial and not state.same_content(prior):
                raise StateError(
                    f"cannot push a different state with the same serial {state.serial}",
                    hint="--force replaces it anyway")
        self._pending = state
        self._migrating = True

    # Persister
    def persist(self) -> State | None:
        if not self._loaded:
            self.read()
        pending = self._pending
        if pending is None:
            return self._persisted
        new = self._next(self._persisted, pending)
        if new is not None:
            self._storage.store(self._encoder.encode(new))
            self._persisted = new
        self._pending = None
        self._migrating = False
        return self._persisted

    def _next(self, prior: State | None, pending: State) -> State | None:
        """The state to store, or None when ``pending`` changes nothing."""
        if prior is not None and pending.same_content(prior) and (
                pending.lineage == prior.lineage) and not (
                self._migrating and pending.serial > prior.serial):  # a push raises it
            return None
        if prior is None:
            serial = pending.serial if self._migrating and pending.serial > 0 else 1
        elif self._migrating:
            serial = max(pending.serial, prior.serial + 1)
        else:
            serial = prior.serial + 1
        return replace(pending, version=CURRENT_VERSION, ncplan_version=__version__,
                       serial=serial)

    # Locker
    def lock(self, info: LockInfo) -> str:
        return self._locker.lock(info)

    def unlock(self, lock_id: str) -> None:
        self._locker.unlock(lock_id)

    def force_unlock(self, lock_id: str) -> str:
        return self._locker.force_unlock(lock_id)
