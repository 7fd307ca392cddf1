from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from state_helpers import job
from typer.testing import CliRunner, Result

from ncplan.cli import app
from ncplan.errors import LockInfo, StateError
from ncplan.state.backends.flock import FileLocker
from ncplan.state.backends.local import open_local
from ncplan.state.codec import encode
from ncplan.state.locking import who
from ncplan.state.manager import StateManager
from ncplan.state.model import ResourceState, State
from ncplan.views.errors import render_error

HOLDER = str(Path(__file__).with_name("lock_holder.py"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": "1", "NCPLAN_DEBUG": None})


@pytest.fixture
def state(tmp_path: Path) -> State:
    manager = open_local(tmp_path / "ncplan.state.json")
    web = ResourceState("nomad_job.web", "nomad_job", "web", {"Count": 2}, 14,
                        ("nomad_job.db",))
    manager.write(State.new([job("db", 12), web]))
    stored = manager.persist()
    assert stored is not None
    return stored


def run(runner: CliRunner, directory: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["-C", str(directory), *args], input=stdin)


def test_list(runner: CliRunner, tmp_path: Path, state: State) -> None:
    result = run(runner, tmp_path, "state", "list")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "nomad_job.db\nnomad_job.web\n", "")


def test_list_without_state_prints_nothing(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, tmp_path, "state", "list")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_show(runner: CliRunner, tmp_path: Path, state: State) -> None:
    result = run(runner, tmp_path, "state", "show", "nomad_job.web")
    assert result.exit_code == 0
    assert result.stdout == (
        "# nomad_job.web:\n"
        'kind           = "nomad_job"\n'
        'id             = "web"\n'
        "observed_index = 14\n"
        'dependencies   = ["nomad_job.db"]\n'
        "attributes     = {\n"
        '  "Count": 2\n'
        "}\n")
    assert result.stderr == ""


def test_show_unknown_address(runner: CliRunner, tmp_path: Path, state: State) -> None:
    result = run(runner, tmp_path, "state", "show", "nomad_job.nope")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: no resource nomad_job.nope in the state\n"
                             "  Hint: ncplan state list shows the addresses\n")


def test_rm_forgets_and_keeps_a_backup(runner: CliRunner, tmp_path: Path, state: State) -> None:
    before = (tmp_path / "ncplan.state.json").read_bytes()
    result = run(runner, tmp_path, "state", "rm", "nomad_job.db")
    assert result.exit_code == 0, result.stderr
    backup = tmp_path / "ncplan.state.json.backup"
    assert result.stdout == ("Removed nomad_job.db\n"
                             "Successfully removed 1 resource from the state.\n"
                             f"The previous state is kept in {backup}.\n")
    assert backup.read_bytes() == before
    after = open_local(tmp_path / "ncplan.state.json").read()
    assert after is not None
    assert after.addresses == ("nomad_job.web",)
    assert (after.serial, after.lineage) == (state.serial + 1, state.lineage)


def test_rm_of_an_unknown_address_removes_nothing(runner: CliRunner, tmp_path: Path,
                                                  state: State) -> None:
    before = (tmp_path / "ncplan.state.json").read_bytes()
    result = run(runner, tmp_path, "state", "rm", "nomad_job.db", "nomad_job.zz")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "Error: no resource nomad_job.zz in the state; nothing removed" in result.stderr
    assert (tmp_path / "ncplan.state.json").read_bytes() == before


def test_pull_prints_the_state_json(runner: CliRunner, tmp_path: Path, state: State) -> None:
    result = run(runner, tmp_path, "state", "pull")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == json.loads(encode(state))


def test_pull_without_state(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, tmp_path, "state", "pull")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No state.\n")


def test_push_rules(runner: CliRunner, tmp_path: Path, state: State) -> None:
    other = tmp_path / "other.json"
    foreign = State.new([job("x")])
    other.write_bytes(encode(foreign))
    result = run(runner, tmp_path, "state", "push", str(other))
    assert (result.exit_code, result.stdout) == (1, "")
    assert f"cannot push a state of lineage {foreign.lineage}" in result.stderr
    assert "Hint: --force replaces it anyway" in result.stderr

    older = tmp_path / "older.json"
    older.write_bytes(encode(replace(state, serial=0, resources=())))
    result = run(runner, tmp_path, "state", "push", str(older))
    assert result.exit_code == 1
    assert "cannot push serial 0 over serial 1" in result.stderr

    result = run(runner, tmp_path, "state", "push", "--force", str(other))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Pushed {other}: serial 2, lineage {foreign.lineage}.\n"


def test_push_from_stdin_with_a_higher_serial(runner: CliRunner, tmp_path: Path,
                                              state: State) -> None:
    newer = replace(state.with_resource(job("cache")), serial=7)
    result = run(runner, tmp_path, "state", "push", "-", stdin=encode(newer).decode())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Pushed -: serial 7, lineage {state.lineage}.\n"


def test_push_of_a_bad_file_names_it(runner: CliRunner, tmp_path: Path, state: State) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = run(runner, tmp_path, "state", "push", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: the state is not valid JSON")


def test_a_corrupt_state_is_refused_and_left_alone(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "ncplan.state.json"
    path.write_text('{"version": 99, "ncplan_version": "0.9.0"}')
    for args in (["state", "list"], ["state", "rm", "nomad_job.db"], ["state", "pull"]):
        result = run(runner, tmp_path, *args)
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert result.stderr.startswith(
            f"Error: {path}: the state was written by ncplan 0.9.0 in format version 99")
    assert path.read_text() == '{"version": 99, "ncplan_version": "0.9.0"}'


def test_locked_state_shows_the_holder(runner: CliRunner, tmp_path: Path, state: State) -> None:
    child = subprocess.Popen([sys.executable, HOLDER, str(tmp_path / "ncplan.state.json"),
                              "apply", "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        _, holder_id, created = child.stdout.readline().split()
        since = datetime.fromisoformat(created).astimezone(UTC).strftime("%H:%M:%S")
        result = run(runner, tmp_path, "state", "rm", "nomad_job.db", "--lock-timeout", "0.3s")
        assert (result.exit_code, result.stdout) == (1, "")
        lines = result.stderr.splitlines()
        assert lines[0] == f"Error: {tmp_path}/ncplan.state.json is locked"
        assert lines[1] == f"  state locked by {who()} for apply since {since} (ID {holder_id})"
        assert lines[2] == "  Hint: wait with --lock-timeout, e.g. --lock-timeout 2m"
        free = run(runner, tmp_path, "state", "list", "--no-lock")
        assert free.exit_code == 0 and free.stdout == "nomad_job.db\nnomad_job.web\n"
        # Read-only commands read without the lock by default, like Terraform's.
        for args in (("list",), ("show", "nomad_job.db"), ("pull",)):
            read = run(runner, tmp_path, "state", *args)
            assert read.exit_code == 0, (args, read.stderr)
            assert read.stdout
        locked_read = run(runner, tmp_path, "state", "list", "--lock")
        assert locked_read.exit_code == 1
        assert "is locked" in locked_read.stderr
    finally:
        child.kill()
        child.wait()


def test_bad_lock_timeout(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, tmp_path, "state", "list", "--lock-timeout", "soon")
    assert result.exit_code == 2  # click's usage error: ncplan.cli.run exits 1 (test_cli_usage)
    assert "Invalid value for '--lock-timeout'" in result.stderr
    assert "invalid duration 'soon'" in result.stderr


def test_force_unlock_asks_and_only_yes_confirms(runner: CliRunner, tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, HOLDER, str(tmp_path / "ncplan.state.json"),
                              "apply", "60"], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    holder_id = child.stdout.readline().split()[1]
    child.kill()
    child.wait()
    info = tmp_path / ".ncplan.state.json.lock.info"
    result = run(runner, tmp_path, "force-unlock", holder_id, stdin="no\n")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Do you really want to force-unlock?\n")
    assert result.stderr.endswith("Error: force-unlock cancelled: nothing was changed\n")
    assert info.exists()
    result = run(runner, tmp_path, "force-unlock", holder_id, stdin="yes\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Removed stale lock info {holder_id}")
    assert not info.exists()


def test_force_unlock_with_the_wrong_id(runner: CliRunner, tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, HOLDER, str(tmp_path / "ncplan.state.json"),
                              "apply", "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        holder_id = child.stdout.readline().split()[1]
        result = run(runner, tmp_path, "force-unlock", "-f", "wrong")
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (f"Error: lock ID wrong does not match the lock held "
                                 f"(ID {holder_id})\n")
        result = run(runner, tmp_path, "force-unlock", "--force", holder_id)
        assert result.exit_code == 1
        assert f"held by a running process (pid {child.pid}" in result.stderr
    finally:
        child.kill()
        child.wait()


def test_backend_block_selects_consul(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(
        'backend "consul" { path = "ncplan/unit" }\n'
        'consul { address = "http://127.0.0.1:9" }\n')
    result = run(runner, tmp_path, "state", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: cannot reach Consul at http://127.0.0.1:9: ")


def test_backend_block_local_path(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text('backend "local" { path = "states/prod.json" }\n')
    manager = open_local(tmp_path / "states" / "prod.json")
    manager.write(State.new([job("db")]))
    manager.persist()
    result = run(runner, tmp_path, "state", "list")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "nomad_job.db\n", "")


def test_state_commands_take_variable_values(runner: CliRunner, tmp_path: Path,
                                             state: State) -> None:
    (tmp_path / "main.hcl").write_text(
        'variable "image" {\n  type = string\n}\n'
        'service "db" {\n  task {\n    driver = "raw_exec"\n'
        '    config = { command = "${var.image}" }\n  }\n}\n')
    missing = run(runner, tmp_path, "state", "list")
    assert missing.exit_code == 1
    assert 'variable "image" has no value' in missing.stderr
    given = run(runner, tmp_path, "state", "list", "--var", "image=/bin/db")
    assert (given.exit_code, given.stdout) == (0, "nomad_job.db\nnomad_job.web\n")
    (tmp_path / "values.hcl.txt").write_text('image = "/bin/db"\n')
    from_file = run(runner, tmp_path, "state", "show", "nomad_job.db",
                    "--var-file", str(tmp_path / "values.hcl.txt"))
    assert from_file.exit_code == 0, from_file.stderr


def test_the_error_view_shows_notes() -> None:
    error = StateError("cannot write the state: disk full", hint="free some disk space")
    error.add_note("then releasing the state lock 42 failed: the lock was lost")
    out = io.StringIO()
    render_error(Console(file=out, width=100, no_color=True), error)
    assert out.getvalue() == (
        "Error: cannot write the state: disk full\n"
        "  then releasing the state lock 42 failed: the lock was lost\n"
        "  Hint: free some disk space\n")


@pytest.mark.parametrize(("failure", "code", "first_line"), [
    (StateError("cannot read the state: disk on fire"), 1,
     "Error: cannot read the state: disk on fire"),
    (KeyboardInterrupt(), 130, "Interrupted."),
])
def test_a_failed_unlock_is_shown_below_the_error_that_stopped_the_command(
        runner: CliRunner, tmp_path: Path, state: State, monkeypatch: pytest.MonkeyPatch,
        failure: BaseException, code: int, first_line: str) -> None:
    def fail_read(self: StateManager) -> None:
        raise failure

    def fail_unlock(self: FileLocker, lock_id: str) -> None:
        raise StateError(f"cannot unlock {lock_id}: the lock file is gone")

    taken: list[str] = []
    real_lock = FileLocker.lock

    def recorded_lock(self: FileLocker, info: LockInfo) -> str:
        taken.append(real_lock(self, info))
        return taken[-1]

    monkeypatch.setattr(StateManager, "read", fail_read)
    monkeypatch.setattr(FileLocker, "lock", recorded_lock)
    monkeypatch.setattr(FileLocker, "unlock", fail_unlock)
    result = run(runner, tmp_path, "state", "list", "--lock")
    [lock_id] = taken
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", (
        f"{first_line}\n"
        f"  then releasing the state lock {lock_id} failed: cannot unlock {lock_id}: "
        "the lock file is gone\n"))
