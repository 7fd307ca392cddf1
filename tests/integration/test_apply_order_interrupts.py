"""Apply exactly as planned, and Ctrl-C that answers, on the real agents.

Order: when web stops calling db, web's update and its rollout (``--wait``) finish before
the intention's delete starts; a ``* -> db`` deny is written before db's job, even when
db's rollout fails, and destroy removes it after the job. The times come from the JSON
events' ``@timestamp``.

Interrupts: ``SIGINT`` (or ``SIGTERM``) during the ``--wait`` rollout of a job that never
becomes healthy (its command does not exist) is answered at once, the job is recorded as
applied with its rollout not awaited, and ncplan exits 130 within seconds: also when it
was started as a script's background job (SIGINT ignored, inherited), and a third signal
prints no traceback.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from apply_helpers import NAMES, ROOT, Mesh, make_mesh, wait_for
from plan_helpers import wipe

from ncplan.address import intention_address

WEB_DB = intention_address("web", "db")
ANY_DB = intention_address("*", "db")
MISSING = "/nonexistent/db-server"  # db never becomes healthy


@pytest.fixture
def mesh(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents)
    yield found
    wipe(agents, NAMES)


@pytest.fixture
def sick_mesh(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents, db_command=MISSING)
    yield found
    wipe(agents, NAMES)


# ---------------------------------------------------------------- JSON events


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def when(found: list[dict[str, Any]], kind: str, address: str) -> datetime.datetime:
    for event in found:
        hook = event.get("hook", {})
        if event["type"] == kind and hook.get("resource", {}).get("addr") == address:
            return datetime.datetime.fromisoformat(event["@timestamp"])
    raise AssertionError(f"no {kind} event for {address}: {[e['@message'] for e in found]}")


# ---------------------------------------------------------------- order


def test_web_stops_calling_db_its_update_and_rollout_come_before_the_intentions_delete(
        mesh: Mesh) -> None:
    first = mesh.run("apply", "--auto-approve", "--no-wait")
    assert first.exit_code == 0, first.both
    mesh.edit('  upstream "db" {}\n', "")
    mesh.edit('    env = {\n      DATABASE_URL = "postgresql://${upstream.db}/db"\n    }\n', "")
    mesh.edit('intention "web" "db" {\n  action      = "allow"\n'
              '  description = "web reads db"\n}\n', "")
    plan = mesh.run("plan")
    assert plan.exit_code == 0, plan.both
    assert "Plan: 0 to add, 1 to change, 1 to destroy." in plan.stdout
    order = plan.stdout[plan.stdout.index("Apply order:"):]
    assert f"1. nomad_job.web\n  2. {WEB_DB}\n" in order

    done = mesh.run("apply", "--auto-approve", "--json", "--wait-timeout", "120s")
    assert done.exit_code == 0, done.both
    found = events(done.stdout)
    rolled = [e for e in found if e["type"] == "apply_progress"
              and e["hook"]["resource"]["addr"] == "nomad_job.web"]
    assert rolled and rolled[-1]["hook"]["rollout"]["status"] == "successful"
    web_done = when(found, "apply_complete", "nomad_job.web")
    assert datetime.datetime.fromisoformat(rolled[-1]["@timestamp"]) <= web_done
    assert web_done <= when(found, "apply_start", WEB_DB)
    assert sorted(r["address"] for r in mesh.state()["resources"]) == \
        ["nomad_job.db", "nomad_job.web"]


def test_a_deny_guarding_db_is_written_before_its_job_though_it_fails_and_destroyed_after(
        sick_mesh: Mesh, agents: Agents) -> None:
    mesh = sick_mesh
    (mesh.directory / "deny.hcl").write_text(
        'intention "*" "db" {\n  action = "deny"\n}\n')
    done = mesh.run("apply", "--auto-approve", "--json", "--wait-timeout", "20s")
    assert done.exit_code == 1, done.both
    found = events(done.stdout)
    assert when(found, "apply_complete", ANY_DB) <= when(found, "apply_start", "nomad_job.db")
    assert when(found, "apply_errored", "nomad_job.db")
    skipped = {e["hook"]["resource"]["addr"] for e in found if e["type"] == "apply_skipped"}
    assert skipped == {WEB_DB, "nomad_job.web"}
    state = {r["address"]: r for r in mesh.state()["resources"]}
    assert sorted(state) == [ANY_DB, "nomad_job.db"]
    assert state["nomad_job.db"]["dependencies"] == [ANY_DB]
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    assert [(s["Name"], s["Action"]) for s in entry["Sources"]] == [("*", "deny")]

    gone = mesh.run("destroy", "--auto-approve", "--json")
    assert gone.exit_code == 0, gone.both
    found = events(gone.stdout)
    assert when(found, "apply_complete", "nomad_job.db") <= when(found, "apply_start", ANY_DB)
    assert mesh.state()["resources"] == []


# ---------------------------------------------------------------- interrupts


class Lines:
    """A process's stdout and stderr lines as they come, each with when it came."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.out: list[tuple[float, str]] = []
        self.err: list[tuple[float, str]] = []
        self.readers = [threading.Thread(target=self._read, args=(s, into), daemon=True)
                        for s, into in ((process.stdout, self.out),
                                        (process.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[tuple[float, str]]) -> None:
        for line in stream:
            into.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, test: Callable[[str], bool], timeout: float, what: str) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for stamp, line in list(self.out):
                if test(line):
                    return stamp
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {what} in {timeout}s: {self.text()}")

    def finish(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        for reader in self.readers:
            reader.join(5)
        return code

    def text(self) -> str:
        return "\n".join(line for _, line in self.out) + "\n--- stderr\n" + \
            "\n".join(line for _, line in self.err)


def rolling(line: str) -> bool:
    return line.startswith("nomad_job.db: rollout running")


def spawn_in_background(mesh: Mesh, *args: str) -> tuple[subprocess.Popen[str], int]:
    """ncplan as a script's background job (``ncplan ... & wait``): it starts with SIGINT
    ignored. Returns bash and ncplan's pid."""
    env = {**os.environ, **mesh.env, "PYTHONPATH": str(ROOT)}
    command = " ".join([sys.executable, "-m", "ncplan", "-C", str(mesh.directory), *args])
    shell = subprocess.Popen(["bash", "-c", f'{command} & echo "pid $!"; wait $!'], env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert shell.stdout is not None
    first = shell.stdout.readline()
    assert first.startswith("pid "), first
    return shell, int(first.split()[1])


def ignored_sigint(pid: int) -> bool:
    """Whether ``pid`` has SIGINT ignored (its bit in /proc's SigIgn)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


@pytest.mark.parametrize(("how", "sent"), [("foreground", signal.SIGINT),
                                           ("foreground", signal.SIGTERM),
                                           ("background", signal.SIGINT),
                                           ("background", signal.SIGTERM)])
def test_an_interrupt_during_a_rollout_answers_at_once_records_the_job_and_exits_130(
        sick_mesh: Mesh, how: str, sent: signal.Signals) -> None:
    mesh = sick_mesh
    args = ("apply", "--auto-approve", "--wait-timeout", "5m")
    if how == "background":
        process, pid = spawn_in_background(mesh, *args)
    else:
        process = mesh.spawn(*args)
        pid = process.pid
    lines = Lines(process)
    lines.wait_for(rolling, 90, "rollout progress for nomad_job.db")
    sent_at = time.monotonic()
    os.kill(pid, sent)
    said = lines.wait_for(lambda line: line.startswith("Interrupt received"), 10,
                          "the interrupt message")
    assert said - sent_at < 2
    code = lines.finish(15)
    assert code == 130, lines.text()
    assert time.monotonic() - sent_at < 10
    out = [line for _, line in lines.out]
    assert "  Not awaiting the rollout of nomad_job.db: registered, recorded as applied." in out
    assert "  Press Ctrl-C again to stop now." in out
    assert any(line.startswith("nomad_job.db: Creation complete after")
               and line.endswith("; rollout not awaited: the apply was interrupted")
               for line in out), out
    err = "\n".join(line for _, line in lines.err)
    assert "Rollout not awaited (registered, recorded as applied): nomad_job.db" in err
    assert "Traceback" not in err
    state = {r["address"]: r for r in mesh.state()["resources"]}
    assert sorted(state) == ["nomad_job.db"] and state["nomad_job.db"]["observed_index"] > 0
    after = mesh.run("plan", "--detailed-exitcode")  # the lock was released
    assert after.exit_code == 2, after.both
    assert "# nomad_job.db" not in after.stdout  # recorded as applied: nothing to redo


def test_the_background_job_did_start_with_sigint_ignored(sick_mesh: Mesh) -> None:
    """What the background test relies on: bash gives its background job SIGINT ignored."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shell = subprocess.Popen(["bash", "-c", 'sleep 5 & echo "pid $!"; wait $!'], env=env,
                             stdout=subprocess.PIPE, text=True)
    assert shell.stdout is not None
    pid = int(shell.stdout.readline().split()[1])
    try:  # the forked child sets the disposition before it runs sleep: wait for that
        wait_for(lambda: "\tsleep" in Path(f"/proc/{pid}/status").read_text(), 10,
                 "the background job to run sleep")
        assert ignored_sigint(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        shell.wait(10)


def test_a_third_interrupt_and_more_stop_at_once_without_a_traceback(sick_mesh: Mesh) -> None:
    """A burst of Ctrl-C (a key held down): the first stops starting steps, the second
    stops at once, the others land while ncplan exits and must not turn into a
    traceback."""
    mesh = sick_mesh
    process = mesh.spawn("apply", "--auto-approve", "--wait-timeout", "5m")
    lines = Lines(process)
    lines.wait_for(rolling, 90, "rollout progress for nomad_job.db")
    sent_at = time.monotonic()
    for _ in range(200):
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGINT)
        time.sleep(0.002)
    code = lines.finish(15)
    assert code == 130, lines.text()
    assert time.monotonic() - sent_at < 10
    err = "\n".join(line for _, line in lines.err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert mesh.run("plan").exit_code == 0  # the lock was released


def go_time(text: str) -> datetime.datetime:
    """Nomad's RFC 3339 time with nanoseconds, to microseconds."""
    head, _, rest = text.partition(".")
    digits = "".join(c for c in rest if c.isdigit())[:6].ljust(6, "0")
    zone = "+00:00" if text.endswith("Z") else rest[-6:]
    return datetime.datetime.fromisoformat(f"{head}.{digits}{zone}")


def test_destroy_removes_a_deny_only_once_the_guarded_jobs_allocations_stopped(
        mesh: Mesh, agents: Agents) -> None:
    (mesh.directory / "deny.hcl").write_text(
        'intention "*" "db" {\n  action = "deny"\n}\n')
    done = mesh.run("apply", "--auto-approve", "--json", "--wait-timeout", "120s")
    assert done.exit_code == 0, done.both
    found = events(done.stdout)
    assert when(found, "apply_complete", ANY_DB) <= when(found, "apply_start", "nomad_job.db")
    allocs = [a["ID"] for a in agents.nomad("GET", "/v1/job/db/allocations").json()]
    assert allocs

    gone = mesh.run("destroy", "--auto-approve", "--json")
    assert gone.exit_code == 0, gone.both
    deny_deleted = when(events(gone.stdout), "apply_start", ANY_DB)
    for alloc_id in allocs:
        alloc = agents.nomad("GET", f"/v1/allocation/{alloc_id}").json()
        assert alloc["ClientStatus"] in ("complete", "failed", "lost"), alloc["ClientStatus"]
        for task, task_state in alloc["TaskStates"].items():
            assert go_time(task_state["FinishedAt"]) <= deny_deleted, task
