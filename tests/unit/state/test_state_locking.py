from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ncplan.errors import LockInfo, StateError, StateLockedError
from ncplan.state import locking
from ncplan.state.backends.consul_lock import ConsulLocker
from ncplan.state.backends.flock import FileLocker
from ncplan.state.backends.local import lock_path_for, open_local
from ncplan.state.locking import (
    Locker,
    acquire,
    lock_info_from_json,
    lock_info_to_json,
    locked,
    new_lock_info,
)


class FlakyLocker:
    """Busy ``busy`` times, then free."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.calls = 0
        self.released: list[str] = []

    def lock(self, info: LockInfo) -> str:
        self.calls += 1
        if self.calls <= self.busy:
            raise StateLockedError("locked", new_lock_info("apply"))
        return info.id

    def unlock(self, lock_id: str) -> None:
        self.released.append(lock_id)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_acquire_retries_with_backoff_until_free() -> None:
    clock, locker = FakeClock(), FlakyLocker(busy=5)
    info = new_lock_info("apply")
    assert acquire(locker, info, timeout=30, sleep=clock.sleep, clock=clock) == info.id
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.6]


def test_acquire_gives_up_at_the_timeout_with_the_holders_info() -> None:
    clock, locker = FakeClock(), FlakyLocker(busy=1000)
    with pytest.raises(StateLockedError) as caught:
        acquire(locker, new_lock_info("plan"), timeout=10, sleep=clock.sleep, clock=clock)
    assert caught.value.info is not None and caught.value.info.operation == "apply"
    assert clock.now == pytest.approx(10.0)
    assert max(clock.sleeps) == 2.0


def test_zero_timeout_tries_once() -> None:
    clock, locker = FakeClock(), FlakyLocker(busy=1)
    with pytest.raises(StateLockedError):
        acquire(locker, new_lock_info("plan"), timeout=0, sleep=clock.sleep, clock=clock)
    assert locker.calls == 1 and clock.sleeps == []


def test_locked_releases_on_error_and_ctrl_c() -> None:
    locker = FlakyLocker(busy=0)
    with pytest.raises(KeyboardInterrupt), locked(locker, "apply", 0) as lock_id:
        raise KeyboardInterrupt
    assert locker.released == [lock_id]


def test_lock_info_round_trip_and_garbage() -> None:
    info = new_lock_info("apply", "ncplan.state.json")
    assert lock_info_from_json(lock_info_to_json(info)) == info
    assert info.who.count("@") == 1 and info.created.endswith("+00:00")
    assert lock_info_from_json(b'{"ID": "x"') is None
    assert lock_info_from_json(b'{"ID": "x"}') is None


class StuckLocker(FlakyLocker):
    """Takes the lock, then cannot release it."""

    def unlock(self, lock_id: str) -> None:
        raise StateError(f"cannot unlock {lock_id}: the lock was lost")


def test_an_unlock_failure_is_a_note_on_the_error_that_stopped_the_run() -> None:
    with pytest.raises(StateError) as caught, locked(StuckLocker(busy=0), "apply", 0) as lock_id:
        raise StateError("cannot write the state: disk full")
    assert caught.value.message == "cannot write the state: disk full"
    assert caught.value.__notes__ == [
        f"then releasing the state lock {lock_id} failed: cannot unlock {lock_id}: "
        "the lock was lost"]


def test_an_unlock_failure_after_a_clean_run_is_the_error() -> None:
    with pytest.raises(StateError, match="the lock was lost"), \
            locked(StuckLocker(busy=0), "apply", 0):
        pass


def test_one_lock_protocol_for_both_backends_the_manager_and_the_helpers(
        tmp_path: Path) -> None:
    import ncplan.state
    from ncplan.state import manager

    assert ncplan.state.Locker is Locker
    assert manager.Locker is Locker
    assert not hasattr(locking, "Lockable")
    path = tmp_path / "ncplan.state.json"
    consul = ConsulLocker(None, "ncplan/prod")  # type: ignore[arg-type]  # never called
    for locker in (FileLocker(lock_path_for(path)), consul, open_local(path)):
        assert isinstance(locker, Locker), locker
    assert inspect.signature(acquire).parameters["locker"].annotation in ("Locker", Locker)
    assert inspect.signature(locked).parameters["locker"].annotation in ("Locker", Locker)
