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


@pytest.mark.parametrize("target", ["write", "fsync", "replace"])
def test_disk_full_leaves_the_old_state_readable(path: Path, target: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manager = open_local(path)
    first = persisted(manager, State.new([job("db")]))
    good = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, target, fail)
    manager.write(first.with_resource(job("web")))
    with pytest.raises(StateError) as caught:
        manager.persist()
    monkeypatch.undo()
    assert "cannot write the state: No space left on device" in caught.value.message
    assert caught.value.hint == "free some disk space and retry"
    assert path.read_bytes() == good
    assert decode(path.read_bytes(), "x") == first
    leftovers = [p.name for p in path.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


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
