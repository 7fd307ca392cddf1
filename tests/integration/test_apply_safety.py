"""`ncplan apply` when things go wrong, on the real agents: stale plan files, a change made
between plan and apply, a job that cannot start, SIGKILL half way, two applies at once,
Ctrl-C, and the question asked on a terminal."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from apply_helpers import ALLOW, DENY, NAMES, ROOT, Mesh, make_mesh, summary_counts, wait_for
from plan_helpers import wipe

from ncplan.state.backends.local import open_local


@pytest.fixture
def mesh(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents)
    yield found
    wipe(agents, NAMES)


def _state_file(mesh: Mesh) -> Path:
    return mesh.directory / "ncplan.state.json"


def _recorded(mesh: Mesh) -> list[str]:
    """What the state holds now, read as ncplan reads it without the lock: the state file
    with the journal of a running apply replayed over it."""
    state = open_local(_state_file(mesh)).read()
    return sorted(r.address for r in state.resources) if state is not None else []


def _mid_apply(mesh: Mesh, process: subprocess.Popen[str]) -> None:
    """Wait until the apply recorded nomad_job.db and is rolling out web."""
    wait_for(lambda: "nomad_job.db" in _recorded(mesh) or process.poll() is not None, 120,
             "the apply to record nomad_job.db")
    assert process.poll() is None, process.communicate()
    assert "nomad_job.web" not in _recorded(mesh)


def test_a_plan_file_made_before_another_apply_is_refused_naming_the_serial(
        mesh: Mesh, agents: Agents) -> None:
    plan_file = mesh.directory.parent / "first.plan"
    assert mesh.run("plan", "--out", str(plan_file)).exit_code == 0
    assert mesh.run("apply", "--auto-approve", "--no-wait").exit_code == 0
    serial = mesh.state()["serial"]
    done = mesh.run("apply", str(plan_file))
    assert done.exit_code == 1
    assert done.stdout == ""
    assert f"the state changed since the plan was made (serial 0, now {serial})" in done.stderr
    assert mesh.state()["serial"] == serial


def test_a_plan_file_of_an_edited_configuration_is_refused_and_nothing_is_written(
        mesh: Mesh, agents: Agents) -> None:
    plan_file = mesh.directory.parent / "before-edit.plan"
    assert mesh.run("plan", "--out", str(plan_file)).exit_code == 0
    mesh.edit(ALLOW, DENY)
    done = mesh.run("apply", str(plan_file))
    assert done.exit_code == 1
    assert "the configuration changed since the plan was made" in done.stderr
    assert agents.nomad("GET", "/v1/job/db").status_code == 404
    assert not (mesh.directory / "ncplan.state.json").exists()


def test_a_plan_file_made_before_a_change_through_the_api_is_refused_and_overwrites_nothing(
        mesh: Mesh, agents: Agents) -> None:
    assert mesh.run("apply", "--auto-approve", "--no-wait").exit_code == 0
    mesh.edit('service "web" {', 'service "web" {\n  count = 2\n')
    plan_file = mesh.directory.parent / "count.plan"
    assert mesh.run("plan", "--out", str(plan_file)).exit_code == 0
    planned = json.loads(plan_file.read_text())
    index = next(c for c in planned["changes"] if c["address"] == "nomad_job.web")[
        "observed_index"]
    job = agents.nomad("GET", "/v1/job/web").json()
    job["Meta"] = {"changed_by": "someone else"}
    assert agents.nomad("PUT", "/v1/jobs", json={"Job": job}).status_code == 200
    now = agents.nomad("GET", "/v1/job/web").json()["JobModifyIndex"]

    done = mesh.run("apply", str(plan_file))
    assert done.exit_code == 1
    assert f"nomad_job.web changed since the plan (index {index} -> {now})" in done.stderr
    live = agents.nomad("GET", "/v1/job/web").json()
    assert live["Meta"] == {"changed_by": "someone else"}
    assert live["TaskGroups"][0]["Count"] == 1


def test_a_fresh_plan_file_applies_exactly_and_an_empty_one_says_so(mesh: Mesh) -> None:
    plan_file = mesh.directory.parent / "good.plan"
    assert mesh.run("plan", "--out", str(plan_file)).exit_code == 0
    done = mesh.run("apply", str(plan_file), "--no-wait")
    assert done.exit_code == 0, done.both
    assert summary_counts(done.stdout) == \
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    assert mesh.run("plan", "--out", str(plan_file)).exit_code == 0
    empty = mesh.run("apply", str(plan_file))
    assert empty.exit_code == 0, empty.both
    assert "No changes." in empty.stdout
    assert summary_counts(empty.stdout) == \
        "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."


def test_a_job_that_cannot_start_fails_with_the_tasks_reason_and_skips_its_dependents(
        tmp_path: Path, agents: Agents) -> None:
    mesh = make_mesh(tmp_path, agents, db_command="/nonexistent/db-server")
    try:
        done = mesh.run("apply", "--auto-approve", "--wait-timeout", "25s")
        assert done.exit_code == 1, done.both
        assert "Apply complete!" not in done.stdout
        assert "Failed: nomad_job.db: " in done.stderr
        assert "/nonexistent/db-server" in done.stderr
        assert "Skipped: consul_intention.web:db: depends on nomad_job.db, which failed" \
            in done.stderr
        assert "Skipped: nomad_job.web: depends on nomad_job.db, which failed" in done.stderr
        assert mesh.addresses() == ["nomad_job.db"]  # registered: the state says so
        assert agents.nomad("GET", "/v1/job/web").status_code == 404
    finally:
        wipe(agents, NAMES)


def test_an_apply_killed_half_way_converges_on_the_next_one(mesh: Mesh, agents: Agents) -> None:
    process = mesh.spawn("apply", "--auto-approve")
    _mid_apply(mesh, process)
    process.kill()
    process.wait(30)
    done = mesh.run("apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both
    assert mesh.addresses() == ["consul_intention.web:db", "nomad_job.db", "nomad_job.web"]
    jobs = [j["ID"] for j in agents.nomad("GET", "/v1/jobs").json()]
    assert sorted(j for j in jobs if j in NAMES) == ["db", "web"]
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    assert [s["Name"] for s in entry["Sources"]] == ["web"]
    assert mesh.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_second_apply_fails_naming_the_holder_or_waits_with_lock_timeout(
        mesh: Mesh) -> None:
    process = mesh.spawn("apply", "--auto-approve")
    _mid_apply(mesh, process)
    busy = mesh.run("apply", "--auto-approve", "--no-wait")
    assert busy.exit_code == 1
    assert "for apply since" in busy.stderr and "state locked by" in busy.stderr
    waited = mesh.run("apply", "--auto-approve", "--lock-timeout", "180s")
    assert process.wait(30) == 0, process.communicate()
    assert waited.exit_code == 0, waited.both
    assert summary_counts(waited.stdout) == \
        "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."


@pytest.mark.parametrize(("sent", "signals"), [(signal.SIGINT, 1), (signal.SIGINT, 2),
                                                (signal.SIGTERM, 1)])
def test_ctrl_c_records_what_ran_releases_the_lock_and_exits_130(
        mesh: Mesh, sent: signal.Signals, signals: int) -> None:
    process = mesh.spawn("apply", "--auto-approve")
    _mid_apply(mesh, process)
    for _ in range(signals):
        process.send_signal(sent)
        time.sleep(0.3)
    started = time.monotonic()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert "Interrupted" in err
    if signals == 2:
        assert time.monotonic() - started < 5  # at once, not after web's rollout
    recorded = _recorded(mesh)
    assert "nomad_job.db" in recorded
    after = mesh.run("plan")
    assert after.exit_code == 0, after.both  # the lock was released


def _answer(mesh: Mesh, answer: str) -> tuple[int, str]:
    """Run apply with a terminal as stdin and stdout; answer the question."""
    controller, terminal = pty.openpty()
    env = {**os.environ, **mesh.env, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "ncplan", "-C", str(mesh.directory),
                                "apply", "--no-wait"], env=env, stdin=terminal,
                               stdout=terminal, stderr=terminal)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Enter a value:" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(controller, 4096)
        except OSError:
            break
    os.write(controller, answer.encode() + b"\n")
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    return process.wait(60), seen.decode(errors="replace")


def test_on_a_terminal_only_yes_applies(mesh: Mesh, agents: Agents) -> None:
    code, output = _answer(mesh, "no")
    assert code == 1, output
    assert "Do you want to perform these actions?" in output
    assert "Apply cancelled." in output
    assert agents.nomad("GET", "/v1/job/db").status_code == 404
    code, output = _answer(mesh, "yes")
    assert code == 0, output
    assert "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." in output
    assert agents.nomad("GET", "/v1/job/db").status_code == 200
