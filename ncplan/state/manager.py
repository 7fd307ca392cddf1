"""State managers in the manner of Terraform's statemgr: small interfaces, one composition.

A backend supplies two things: a :class:`StateStorage` (bytes in, bytes out: a file, a
Consul KV path) and a :class:`~ncplan.state.locking.Locker` (the one lock protocol,
defined beside the helpers that take a lock). :class:`StateManager` composes them into
the :class:`Reader`, :class:`Writer`, :class:`Persister` and ``Locker`` interfaces that
the rest of ncplan uses, and owns the rules that do not depend on where the bytes live:
decoding and upgrades, the serial (up by one per persisted change, none for identical
content), the lineage (set once at creation), and the checks of ``state push``.

With a :class:`Journal` (the local backend), :meth:`StateManager.journaled` makes each
persist inside it append the change to the journal (O(change): an apply that records a
step at a time no longer rewrites the whole state per step) and writes the whole state
once at its end; a reader replays the journal over the state file (see
:mod:`ncplan.state.journal`), and the next journaled run folds in a journal a kill left.
"""

from __future__ import annotations

import errno
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from ncplan import __version__
from ncplan.errors import LockInfo, StateError
from ncplan.state import journal as journal_format
from ncplan.state.codec import NEWER_FORMAT, StateEncoder, decode
from ncplan.state.locking import Locker
from ncplan.state.model import CURRENT_VERSION, Edits, State


@runtime_checkable
class Reader(Protocol):
    def read(self) -> State | None:
        """The persisted state, re-read from the backend; None when there is none yet."""
        ...


@runtime_checkable
class Writer(Protocol):
    def write(self, state: State, *, edits: Edits | None = None) -> None:
        """Stage ``state`` in memory; nothing reaches the backend before :meth:`persist`.
        ``edits``: what turned the persisted state into ``state``, if known."""
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


class Journal(Protocol):
    """Where a storage's journal of changes lives (see :mod:`ncplan.state.journal`)."""

    @property
    def description(self) -> str:
        ...

    @property
    def started(self) -> bool:
        """True once :meth:`start` made a journal that this process appends to."""
        ...

    def load(self) -> bytes | None:
        ...

    def start(self, header: bytes) -> None:
        """Replace any journal by one holding ``header``, durably."""
        ...

    def append(self, line: bytes) -> None:
        """Append ``line`` durably; on OSError the journal holds what it held before."""
        ...

    def remove(self) -> None:
        """Remove the journal; never raises (a journal left is stale: over other bytes)."""
        ...


#: How many times a read starts again when the state file changed while it was read.
_READ_TRIES = 5


class StateManager:
    """Reader + Writer + Persister + Locker over one storage and one locker."""

    def __init__(self, storage: StateStorage, locker: Locker,
                 journal: Journal | None = None) -> None:
        self._storage = storage
        self._locker = locker
        self._journal = journal
        self._journaling = False
        self._base: bytes | None = None  # the state file's bytes the journal extends
        self._replayed = False  # the state read holds changes from a journal
        self._loaded = False
        self._persisted: State | None = None
        self._pending: State | None = None
        self._edits: Edits | None = None
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
        """The state file's state, with the journal's changes replayed over it. The file
        is read again after the journal: a journal is removed or replaced only after the
        file it extends was, so an unchanged file means the two were read as one."""
        for _ in range(_READ_TRIES):
            data = self._storage.load()
            state = decode(data, self._storage.description) if data is not None else None
            self._base, self._replayed = data, False
            if self._journal is None or state is None or data is None:
                return state
            journal = self._journal.load()
            if self._storage.load() != data:
                continue  # an apply folded its journal meanwhile
            if journal is None:
                return state
            replayed = journal_format.replay(state, data, journal, self._journal.description)
            self._replayed = replayed is not state
            return replayed
        raise StateError(f"{self.description}: the state kept changing while it was read",
                         hint="another ncplan is applying without the lock; retry")

    def _loaded_as(self, state: State | None) -> State | None:
        self._persisted = state
        self._loaded = True
        self._pending = None
        self._edits = None
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
    def write(self, state: State, *, edits: Edits | None = None) -> None:
        if not self._loaded:
            self.read()
        prior = self._persisted
        if prior is not None and state.lineage != prior.lineage:
            raise StateError(
                f"{self.description}: refusing to write a state of lineage {state.lineage} "
                f"over lineage {prior.lineage}")
        self._pending = state
        self._edits = edits
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
        self._edits = None
        self._migrating = True

    # Persister
    def persist(self) -> State | None:
        if not self._loaded:
            self.read()
        pending = self._pending
        if pending is None:
            return self._persisted
        prior = self._persisted
        new = self._next(prior, pending)
        if new is not None:
            if self._journaling and prior is not None:
                self._append(prior, new, self._edits)
            else:
                self._store(new)
            self._persisted = new
        self._pending = None
        self._edits = None
        self._migrating = False
        return self._persisted

    def _store(self, state: State) -> None:
        """Write ``state`` whole; then no journal extends the file any more."""
        data = self._encoder.encode(state)
        self._storage.store(data)
        self._base, self._replayed = data, False
        if self._journal is not None:
            self._journal.remove()

    def _append(self, prior: State, new: State, edits: Edits | None) -> None:
        journal = self._journal
        assert journal is not None and self._base is not None
        entry = None if edits is None else journal_format.change_of(prior, new, edits)
        try:
            if not journal.started:
                journal.start(journal_format.header(self._base, prior))
            journal.append(journal_format.change_line(
                entry if entry is not None else journal_format.change(prior, new)))
        except OSError as error:
            self._journaling = False  # the next change is stored whole, journal included
            reason = error.strerror or str(error)
            raise StateError(
                f"{journal.description}: cannot write the state: {reason}; "
                "the previous state is unchanged",
                hint="free some disk space and retry" if error.errno == errno.ENOSPC
                else None) from error

    @contextmanager
    def journaled(self) -> Iterator[None]:
        """Within: each persisted change is appended to the journal (when the storage has
        one); at the end, even a failed one, the whole state is written once (the fold).
        A journal left by a killed run is folded in first."""
        if self._journal is None:
            yield
            return
        if not self._loaded:
            self.read()
        if self._replayed and self._persisted is not None:
            self._store(self._persisted)
        else:
            self._journal.remove()
        self._journaling = True
        try:
            yield
        except BaseException as error:
            self._journaling = False
            try:
                self._fold()
            except StateError as failed:
                error.add_note(f"The state journal was not folded in: {failed.message}; "
                               "reading the state replays it, and the next apply folds it")
            raise
        self._journaling = False
        self._fold()

    def _fold(self) -> None:
        journal = self._journal
        if journal is None or not journal.started or self._persisted is None:
            return
        try:
            self._store(self._persisted)
        except StateError as error:
            raise StateError(
                f"{error.message}; every change is kept in {journal.description}, which "
                "reading the state replays and the next apply folds in",
                hint=error.hint) from error

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
