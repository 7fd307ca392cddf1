from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ncplan.errors import StateError, StateLockedError
from ncplan.state.backends.local import open_local
from ncplan.state.locking import acquire, new_lock_info
from ncplan.views.errors import describe_lock

HOLDER = str(Path(__file__).with_name("lock_holder.py"))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ncplan.state.json"


def start_holder(path: Path, operation: str = "apply", hold: float = 30.0,
                 timeout: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, HOLDER, str(path), operation, str(hold),
                              str(timeout)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line and line[0] == "LOCKED", line
    return child, line[1]


def test_second_locker_sees_the_holders_info(path: Path) -> None:
    first, second = open_local(path), open_local(path)
    info = new_lock_info("apply")
    lock_id = first.lock(info)
    assert lock_id == info.id
    with pytest.raises(StateLockedError) as caught:
        second.lock(new_lock_info("plan"))
    assert caught.value.info == info
    assert describe_lock(info).startswith(f"state locked by {info.who} for apply since ")
    first.unlock(lock_id)
    assert not path.with_name(".ncplan.state.json.lock.info").exists()
    second.unlock(second.lock(new_lock_info("plan")))


def test_unlock_needs_the_right_id(path: Path) -> None:
    manager = open_local(path)
    with pytest.raises(StateError, match="holds no lock"):
        manager.unlock("nope")
    lock_id = manager.lock(new_lock_info("apply"))
    with pytest.raises(StateError, match=f"the lock held is {lock_id}"):
        manager.unlock("nope")
    manager.unlock(lock_id)


def test_lock_files_are_private(path: Path) -> None:
    manager = open_local(path)
    lock_id = manager.lock(new_lock_info("apply"))
    for name in (".ncplan.state.json.lock", ".ncplan.state.json.lock.info"):
        assert (path.parent / name).stat().st_mode & 0o777 == 0o600
    manager.unlock(lock_id)


def test_another_process_holds_it_loser_fails_with_holder_info(path: Path) -> None:
    child, holder_id = start_holder(path)
    try:
        with pytest.raises(StateLockedError) as caught:
            acquire(open_local(path), new_lock_info("plan"), timeout=0.3)
        assert caught.value.info is not None
        assert caught.value.info.id == holder_id
        assert caught.value.info.operation == "apply"
        assert caught.value.info.extra["pid"] == str(child.pid)
    finally:
        child.kill()
        child.wait()


def test_loser_waits_with_lock_timeout_and_then_wins(path: Path) -> None:
    child, _ = start_holder(path, hold=1.0)
    started = time.monotonic()
    manager = open_local(path)
    lock_id = acquire(manager, new_lock_info("plan"), timeout=20)
    waited = time.monotonic() - started
    manager.unlock(lock_id)
    assert child.wait(timeout=20) == 0
    assert 0.3 < waited < 15


def test_two_processes_race_exactly_one_wins(path: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, HOLDER, str(path), f"op{n}", "60", "0",
                                str(go)], stdout=subprocess.PIPE, text=True)
              for n in range(2)]
    try:
        time.sleep(0.5)
        go.touch()
        outputs = []
        for racer in racers:
            assert racer.stdout is not None
            outputs.append(racer.stdout.readline().split())
    finally:
        for racer in racers:
            racer.kill()
            racer.wait()
    assert sorted(o[0] for o in outputs) == ["BUSY", "LOCKED"], outputs
    winner = next(o for o in outputs if o[0] == "LOCKED")
    loser = next(o for o in outputs if o[0] == "BUSY")
    assert loser[1] == winner[1]  # the loser names the winner's lock ID


def test_sigkill_never_leaves_the_state_locked(path: Path) -> None:
    child, _ = start_holder(path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    manager = open_local(path)
    lock_id = manager.lock(new_lock_info("apply"))  # free at once: the kernel dropped it
    manager.unlock(lock_id)


def test_force_unlock_clears_stale_info_only_with_the_matching_id(path: Path) -> None:
    child, holder_id = start_holder(path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    info_file = path.with_name(".ncplan.state.json.lock.info")
    assert info_file.exists()
    manager = open_local(path)
    with pytest.raises(StateError, match="does not match the stale lock info"):
        manager.force_unlock("wrong-id")
    assert info_file.exists()
    message = manager.force_unlock(holder_id)
    assert message.startswith(f"Removed stale lock info {holder_id}")
    assert not info_file.exists()
    with pytest.raises(StateError, match="not locked"):
        manager.force_unlock(holder_id)


def test_force_unlock_cannot_break_a_live_holder(path: Path) -> None:
    child, holder_id = start_holder(path)
    try:
        manager = open_local(path)
        with pytest.raises(StateLockedError) as caught:
            manager.force_unlock(holder_id)
        assert f"held by a running process (pid {child.pid}" in caught.value.message
        assert caught.value.hint == f"stop that process (e.g. kill {child.pid}); " \
                                    "its lock goes with it"
        with pytest.raises(StateError, match="does not match the lock held"):
            manager.force_unlock("wrong")
    finally:
        child.kill()
        child.wait()


def test_force_unlock_of_own_lock_releases_it(path: Path) -> None:
    manager = open_local(path)
    lock_id = manager.lock(new_lock_info("apply"))
    assert manager.force_unlock(lock_id) == f"Released lock {lock_id}."
    other = open_local(path)
    other.unlock(other.lock(new_lock_info("apply")))
