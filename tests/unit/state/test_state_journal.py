"""The local state journal: inside ``journaled()`` each change is one appended line; every
reader sees the state file with the journal replayed; a kill at any point (after an
append, with a torn last line, during the fold) leaves a state that reads right and that
the next journaled run folds in."""

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
from ncplan.state.backends import journal_file
from ncplan.state.backends.local import journal_path_for, open_local
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


def test_changes_inside_journaled_are_appended_and_folded_at_the_end(path: Path) -> None:
    first = persisted(open_local(path), State.new([job("db")]))
    before = path.read_bytes()
    manager = open_local(path)
    manager.read()
    journal = journal_path_for(path)
    with manager.journaled():
        second = persisted(manager, first.with_resource(job("web")))
        assert path.read_bytes() == before  # the state file is not rewritten per change
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
        assert open_local(path).read() == second
        same = persisted(manager, second)  # an identical write: no serial, no line
        assert same.serial == 2
        lines = journal.read_bytes().count(b"\n")
        third = persisted(manager, second.without(["nomad_job.db"]))
        assert journal.read_bytes().count(b"\n") == lines + 1
        assert open_local(path).read() == third
    assert not journal.exists()
    assert decode(path.read_bytes(), "f") == third
    assert (third.serial, third.lineage) == (3, first.lineage)
    assert path.with_name(path.name + ".backup").read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_outside_journaled_every_change_is_stored_whole(path: Path) -> None:
    manager = open_local(path)
    state = persisted(manager, State.new([job("db")]))
    persisted(manager, state.with_resource(job("web")))
    assert not journal_path_for(path).exists()


CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from ncplan.state.backends import files, journal_file
    from ncplan.state.backends.local import open_local
    from ncplan.state.model import ResourceState

    path, where, steps = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])

    def kill():
        os.kill(os.getpid(), signal.SIGKILL)

    appended = 0
    real_append, real_replace = journal_file.JournalFile.append, os.replace
    if where == "append":
        def append(self, line):
            global appended
            real_append(self, line)
            appended += 1
            if appended == steps:
                kill()
        journal_file.JournalFile.append = append
    if where == "torn":
        def append(self, line):
            global appended
            appended += 1
            if appended == steps:
                os.write(self._fd, line[:len(line) // 2])
                kill()
            real_append(self, line)
        journal_file.JournalFile.append = append
    if where == "fold-rename":
        def replace(src, dst):
            if Path(dst) == path:
                kill()
            return real_replace(src, dst)
        files.os.replace = replace
    if where == "fold-remove":
        real_remove = journal_file.JournalFile.remove
        journal_file.JournalFile.remove = (
            lambda self: kill() if self.started else real_remove(self))

    manager = open_local(path)
    state = manager.read()
    with manager.journaled():
        for n in range(steps):
            state = state.with_resource(ResourceState(f"nomad_job.s{n}", "nomad_job", f"s{n}"))
            manager.write(state)
            state = manager.persist()
    print("not killed")
""")


def _killed(path: Path, where: str, steps: int) -> None:
    child = subprocess.run([sys.executable, "-c", CHILD, str(path), where, str(steps)],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr
    assert child.stdout == ""


def _names(state: State | None) -> list[str]:
    assert state is not None
    return sorted(r.id for r in state.resources)


@pytest.mark.parametrize("steps", [1, 3])
def test_killed_after_an_append_the_state_holds_every_appended_change(
        path: Path, steps: int) -> None:
    first = persisted(open_local(path), State.new([job("db")]))
    before = path.read_bytes()
    _killed(path, "append", steps)
    assert path.read_bytes() == before
    read = open_local(path).read()
    assert read is not None
    assert _names(read) == sorted(["db", *(f"s{n}" for n in range(steps))])
    assert (read.serial, read.lineage) == (first.serial + steps, first.lineage)
    # the next journaled run folds the journal in first, then goes on from there
    manager = open_local(path)
    manager.read()
    with manager.journaled():
        assert not journal_path_for(path).exists()
        assert decode(path.read_bytes(), "f") == read
        after = persisted(manager, read.with_resource(job("api")))
    assert after.serial == read.serial + 1
    assert open_local(path).read() == after


def test_a_torn_last_line_is_ignored(path: Path) -> None:
    persisted(open_local(path), State.new([job("db")]))
    _killed(path, "torn", 3)
    assert not journal_path_for(path).read_bytes().endswith(b"\n")
    read = open_local(path).read()
    assert _names(read) == ["db", "s0", "s1"]
    assert read is not None and read.serial == 3


def test_a_complete_line_that_does_not_read_is_refused(path: Path) -> None:
    persisted(open_local(path), State.new([job("db")]))
    _killed(path, "append", 2)
    journal = journal_path_for(path)
    lines = journal.read_bytes().split(b"\n")
    journal.write_bytes(b"\n".join([lines[0], b'{"serial": 3', *lines[2:]]))
    with pytest.raises(StateError, match=r"journal: line 2: not a journal record"):
        open_local(path).read()


@pytest.mark.parametrize("where", ["fold-rename", "fold-remove"])
def test_killed_during_the_fold_the_state_reads_right(path: Path, where: str) -> None:
    first = persisted(open_local(path), State.new([job("db")]))
    _killed(path, where, 2)
    assert journal_path_for(path).exists()
    read = open_local(path).read()
    assert _names(read) == ["db", "s0", "s1"]
    assert read is not None and (read.serial, read.lineage) == (3, first.lineage)
    if where == "fold-remove":  # the state file holds it all; the journal left is stale
        assert decode(path.read_bytes(), "f") == read
    after = persisted(open_local(path), read.with_resource(job("api")))
    assert after.serial == 4
    assert not journal_path_for(path).exists()
    assert _names(open_local(path).read()) == ["api", "db", "s0", "s1"]


def test_disk_full_on_an_append_leaves_the_state_before_it(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = persisted(open_local(path), State.new([job("db")]))
    manager = open_local(path)
    manager.read()
    real = journal_file.os.fdatasync
    calls = 0

    def full_on_second(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(journal_file.os, "fdatasync", full_on_second)
    with manager.journaled():
        second = persisted(manager, first.with_resource(job("web")))
        with pytest.raises(StateError, match="No space left on device; the previous state "
                                             "is unchanged"):
            persisted(manager, second.with_resource(job("api")))
        assert open_local(path).read() == second
        third = persisted(manager, second.with_resource(job("api")))  # stored whole
        assert not journal_path_for(path).exists()
    assert third.serial == 3
    assert open_local(path).read() == third


def test_a_journal_over_another_state_file_is_ignored(path: Path) -> None:
    persisted(open_local(path), State.new([job("db")]))
    _killed(path, "append", 1)
    journal = journal_path_for(path).read_bytes()
    pushed = open_local(path)
    forced = State.new([job("other")])
    pushed.write_for_migration(forced, force=True)
    stored = pushed.persist()
    journal_path_for(path).write_bytes(journal)  # as if the kill came before its removal
    assert open_local(path).read() == stored


def test_a_read_during_a_fold_reads_again(path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader without the lock that reads the state file, then (after another run
    folded the journal into a new file and removed it) finds no journal, reads again."""
    persisted(open_local(path), State.new([job("db")]))
    _killed(path, "append", 1)
    real_load = journal_file.JournalFile.load
    folded = False

    def load_after_a_fold(self: journal_file.JournalFile) -> bytes | None:
        nonlocal folded
        if not folded:
            folded = True
            other = open_local(path)
            other.read()
            with other.journaled():
                pass
            assert not journal_path_for(path).exists()
        return real_load(self)

    monkeypatch.setattr(journal_file.JournalFile, "load", load_after_a_fold)
    assert _names(open_local(path).read()) == ["db", "s0"]


def test_a_journal_that_cannot_be_read_is_a_state_error_naming_it(path: Path) -> None:
    persisted(open_local(path), State.new([job("db")]))
    _killed(path, "append", 2)
    journal = journal_path_for(path)
    journal.unlink()
    journal.mkdir()  # reading it fails with an OSError other than "no such file"
    with pytest.raises(StateError, match=r"ncplan.state.json.journal: cannot read the state "
                                         r"journal"):
        open_local(path).read()
