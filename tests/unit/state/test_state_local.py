from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from state_helpers import job

from ncplan.errors import StateError
from ncplan.state.backends import files
from ncplan.state.backends.local import open_local
from ncplan.state.codec import decode
from ncplan.state.manager import StateManager
from ncplan.state.model import State


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "ncplan.state.json"


def persisted(manager: StateManager, state: State) -> State:
    manager.write(state)
    result = manager.persist()
    assert result is not None
    return result


def test_no_state_reads_as_none(path: Path) -> None:
    assert open_local(path).read() is None
    assert not path.exists()


def test_first_write_creates_a_private_file_with_serial_1(path: Path) -> None:
    manager = open_local(path)
    state = State.new([job("db")])
    stored = persisted(manager, state)
    assert stored.serial == 1
    assert stored.lineage == state.lineage
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert decode(path.read_bytes(), str(path)) == stored
    assert not path.with_name("ncplan.state.json.backup").exists()


def test_serial_moves_only_when_content_changes(path: Path) -> None:
    manager = open_local(path)
    first = persisted(manager, State.new([job("db")]))
    before = path.read_bytes()
    assert persisted(manager, first).serial == 1
    assert path.read_bytes() == before
    second = persisted(manager, first.with_resource(job("web")))
    assert second.serial == 2
    assert second.lineage == first.lineage
    third = persisted(open_local(path), second.without(["nomad_job.db"]))
    assert (third.serial, third.lineage) == (3, first.lineage)


def test_previous_version_is_kept_as_backup(path: Path) -> None:
    manager = open_local(path)
    first = persisted(manager, State.new([job("db")]))
    first_bytes = path.read_bytes()
    persisted(manager, first.with_resource(job("web")))
    backup = path.with_name("ncplan.state.json.backup")
    assert backup.read_bytes() == first_bytes
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_another_lineage_is_refused(path: Path) -> None:
    manager = open_local(path)
    persisted(manager, State.new([job("db")]))
    with pytest.raises(StateError, match="refusing to write a state of lineage"):
        manager.write(State.new([job("web")]))


@pytest.mark.parametrize("content", [
    b"{ truncated",
    b'{"version": 99, "ncplan_version": "7.0.0", "serial": 1, "lineage": "x", "resources": []}',
    b'{"version": 2, "serial": 1, "lineage": "x", "resources": []}',
])
def test_an_unreadable_state_is_refused_and_never_overwritten(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    manager = open_local(path)
    with pytest.raises(StateError, match=f"^{path}: "):
        manager.read()
    with pytest.raises(StateError):
        manager.write(State.new([job("db")]))
    with pytest.raises(StateError):
        manager.persist()
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == ["ncplan.state.json"]


#: The file-system calls one store makes when a previous state exists: the backup's
#: write, fsync of the file, rename, fsync of the directory, then the same for the state.
CALLS = {"write": 2, "fsync": 4, "replace": 2}


def _count_calls(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = dict.fromkeys(CALLS, 0)
    for name in CALLS:
        real = getattr(files.os, name)

        def counted(*args: object, _name: str = name, _real: object = real) -> object:
            counts[_name] += 1
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(files.os, name, counted)
    manager = open_local(path)
    state = persisted(manager, State.new([job("db")]))
    counts = dict.fromkeys(CALLS, 0)
    persisted(manager, state.with_resource(job("web")))
    monkeypatch.undo()
    return counts


def test_one_store_makes_the_calls_the_failure_tests_cover(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _count_calls(path, monkeypatch) == CALLS


@pytest.mark.parametrize(("target", "n"), [
    (target, n) for target, count in CALLS.items() for n in range(1, count + 1)])
def test_disk_full_at_each_call_leaves_a_state_that_says_what_it_is(
        path: Path, target: str, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = open_local(path)
    first = persisted(manager, State.new([job("db")]))
    good = path.read_bytes()
    real = getattr(files.os, target)
    calls = 0

    def fail_on_nth(*args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    monkeypatch.setattr(files.os, target, fail_on_nth)
    wanted = first.with_resource(job("web"))
    manager.write(wanted)
    with pytest.raises(StateError) as caught:
        manager.persist()
    monkeypatch.undo()
    assert calls == n
    stored = open_local(path).read()
    assert stored is not None
    # Only the last call, the directory's fsync, comes after the state's rename.
    after_rename = (target, n) == ("fsync", CALLS["fsync"])
    assert (stored != first) is after_rename
    if not after_rename:
        assert path.read_bytes() == good
        assert caught.value.message == (f"{path}: cannot write the state: No space left on "
                                        "device; the previous state is unchanged")
        assert caught.value.hint == "free some disk space and retry"
    else:
        assert (stored.resources, stored.serial) == (wanted.resources, 2)
        assert caught.value.message == (
            f"{path}: the new state is in place, but syncing its directory failed: No space "
            "left on device; a system crash before the disk catches up could bring back the "
            "previous state")
    assert [p.name for p in path.parent.iterdir() if ".tmp-" in p.name] == []
    # The next run writes as if nothing had happened.
    after = persisted(open_local(path), stored.with_resource(job("api")))
    assert after.serial == stored.serial + 1


CRASH_CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from ncplan.state.backends import files
    from ncplan.state.backends.local import open_local
    from ncplan.state.model import ResourceState

    path = Path(sys.argv[1])
    real_replace = os.replace

    def crash_before_rename(src, dst):
        if Path(dst) == path:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst)

    files.os.replace = crash_before_rename
    manager = open_local(path)
    state = manager.read()
    manager.write(state.with_resource(ResourceState("nomad_job.web", "nomad_job", "web")))
    manager.persist()
    print("not killed")
""")


def test_sigkill_between_write_and_rename_leaves_the_old_state(path: Path) -> None:
    first = persisted(open_local(path), State.new([job("db")]))
    good = path.read_bytes()
    child = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(path)],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr
    assert child.stdout == ""
    assert path.read_bytes() == good
    assert open_local(path).read() == first
    temp = [p for p in path.parent.iterdir() if ".tmp-" in p.name]
    assert len(temp) == 1  # the new state was fully written, but never renamed
    assert b"nomad_job.web" in temp[0].read_bytes()

    # The next store removes the dead writer's temp file, and keeps a live writer's.
    live = path.with_name(f".{path.name}.tmp-{os.getpid()}-cafe0123")
    live.write_bytes(b"mid-write")
    persisted(open_local(path), first.with_resource(job("api")))
    left = sorted(p.name for p in path.parent.iterdir() if ".tmp-" in p.name)
    assert left == [live.name]


def test_push_rules(path: Path) -> None:
    manager = open_local(path)
    first = persisted(manager, State.new([job("db")]))
    second = persisted(manager, first.with_resource(job("web")))
    other = State.new([job("x")])
    with pytest.raises(StateError, match="cannot push a state of lineage"):
        manager.write_for_migration(other)
    with pytest.raises(StateError, match="cannot push serial 1 over serial 2"):
        manager.write_for_migration(first)
    with pytest.raises(StateError, match="different state with the same serial 2"):
        manager.write_for_migration(second.with_resource(job("z")))
    manager.write_for_migration(other, force=True)
    forced = manager.persist()
    assert forced is not None
    assert (forced.lineage, forced.serial) == (other.lineage, 3)
    assert forced.addresses == ("nomad_job.x",)
