"""The Consul lock, as Terraform's consul backend takes it.

``lock`` creates a session (TTL 15 s, behavior ``delete``, lock-delay 0 s), acquires
``PATH/.lock`` with it and writes the lock info to ``PATH/.lockinfo`` (also acquired by
the session, so both keys vanish when the session ends). A daemon thread renews the
session every TTL/3. When Consul answers a renewal with 404 (session invalidated or
destroyed), or no renewal succeeded for a whole TTL, the lock is *lost*: the storage
refuses its next write (and every write also checks the session in its transaction, so
a write can never slip through between the loss and the next renewal).

The lock is released by ``unlock``, at interpreter exit (``atexit``) and, for Ctrl-C,
by the ``finally`` of :func:`ncplan.state.locking.locked`. A lock-delay of 0 s is safe
here because a holder that lost its session can no longer write.

``force_unlock`` destroys the holder's session (which deletes both keys, behavior
``delete``), then deletes what is left only with check-and-set on the ModifyIndex it read:
a new holder that acquired the lock in between keeps it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections.abc import Iterable

from ncplan.errors import LockInfo, StateError, StateLockedError
from ncplan.state.backends.consul_kv import ConsulKV, KVEntry
from ncplan.state.locking import lock_info_from_json, lock_info_to_json

SESSION_TTL = 15.0

log = logging.getLogger(__name__)


class ConsulLocker:
    def __init__(self, kv: ConsulKV, path: str, *, ttl: float = SESSION_TTL,
                 renew_every: float | None = None) -> None:
        self.kv = kv
        self.path = path
        self.lock_key = f"{path}/.lock"
        self.info_key = f"{path}/.lockinfo"
        self.ttl = ttl
        self.renew_every = renew_every if renew_every is not None else ttl / 3
        self.renew_timeout = ttl / 6
        self._session: str | None = None
        self._held: LockInfo | None = None
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def session(self) -> str | None:
        """The session of the lock this process holds, if any."""
        return self._session if self._held is not None else None

    @property
    def lost(self) -> bool:
        return self._held is not None and self._lost.is_set()

    def mark_lost(self) -> None:
        self._lost.set()

    def read_info(self) -> LockInfo | None:
        return _info_in(self.kv.get(key) for key in (self.info_key, self.lock_key))

    def lock(self, info: LockInfo) -> str:
        if self._held is not None:
            raise StateLockedError("the state is already locked by this process", self._held)
        session = self.kv.session_create(name=f"ncplan {info.operation} by {info.who}",
                                         ttl=f"{int(self.ttl)}s")
        try:
            body = lock_info_to_json(info)
            if not self.kv.put(self.lock_key, body, acquire=session):
                raise StateLockedError(f"consul:{self.path} is locked", self.read_info(),
                                       hint="wait with --lock-timeout, e.g. --lock-timeout 2m")
            self.kv.put(self.info_key, body, acquire=session)
        except BaseException:
            with contextlib.suppress(StateError):
                self.kv.session_destroy(session)
            raise
        self._session, self._held = session, info
        self._lost.clear()
        self._stop.clear()
        self._thread = threading.Thread(target=self._renew_loop, args=(session,),
                                        name="ncplan-consul-lock", daemon=True)
        self._thread.start()
        atexit.register(self._release_at_exit)
        return info.id

    def _renew_loop(self, session: str) -> None:
        last_ok = time.monotonic()
        while not self._stop.wait(self.renew_every):
            try:
                if not self.kv.session_renew(session, timeout=self.renew_timeout):
                    self._lose(f"Consul says session {session} is gone")
                    return
                last_ok = time.monotonic()
            except StateError as error:
                if time.monotonic() - last_ok >= self.ttl:
                    self._lose(f"no renewal succeeded for {self.ttl:g}s: {error.message}")
                    return
            except Exception as error:  # any failure, foreseen or not, marks the lock lost
                self._lose(f"the renewal failed: {type(error).__name__}: {error}")
                return

    def _lose(self, why: str) -> None:
        self._lost.set()
        log.warning("consul:%s: the state lock was lost (%s); the next state write "
                    "will be refused", self.path, why)

    def unlock(self, lock_id: str) -> None:
        if self._held is None or self._session is None:
            raise StateError(f"cannot unlock {lock_id}: this process holds no lock")
        if lock_id != self._held.id:
            raise StateError(f"cannot unlock {lock_id}: the lock held is {self._held.id}")
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        session, self._session, self._held, self._thread = self._session, None, None, None
        atexit.unregister(self._release_at_exit)
        # behavior=delete: destroying the session deletes .lock and .lockinfo with it
        self.kv.session_destroy(session)

    def _release_at_exit(self) -> None:
        if self._held is not None:
            with contextlib.suppress(StateError):
                self.unlock(self._held.id)

    def force_unlock(self, lock_id: str) -> str:
        if self._held is not None and self._held.id == lock_id:
            self.unlock(lock_id)
            return f"Released lock {lock_id}."
        lock_entry, info_entry = self.kv.get(self.lock_key), self.kv.get(self.info_key)
        info = _info_in((info_entry, lock_entry))  # from the entries the deletes check
        if lock_entry is None and info is None:
            raise StateError(f"consul:{self.path} is not locked: there is no lock to remove")
        if info is None or info.id != lock_id:
            shown = info.id if info is not None else "unknown"
            raise StateError(f"lock ID {lock_id} does not match the lock held (ID {shown})")
        if lock_entry is not None and lock_entry.session:
            self.kv.session_destroy(lock_entry.session)
        # The destroy already deleted keys held by the session; delete what is left only
        # if it is still what was read, so a holder that acquired since keeps its lock.
        for entry in (info_entry, lock_entry):
            _delete_if_unchanged(self.kv, entry)
        return (f"Released lock {lock_id} held by {info.who} for {info.operation}: "
                "its Consul session was destroyed.")


def _info_in(entries: Iterable[KVEntry | None]) -> LockInfo | None:
    """The first lock info found in ``entries`` (read lazily: the info key, then the lock)."""
    for entry in entries:
        if entry is not None and entry.value:
            info = lock_info_from_json(entry.value)
            if info is not None:
                return info
    return None


def _delete_if_unchanged(kv: ConsulKV, entry: KVEntry | None) -> None:
    if entry is not None:
        kv.delete(entry.key, cas=entry.modify_index)
