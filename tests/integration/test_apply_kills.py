"""A true record under kills, on the real agents.

``ncplan apply`` (a create, then an update) and ``ncplan destroy`` run as a subprocess
with ``NCPLAN_HTTP_STATS`` on a FIFO: the test reads one line per request as it is
answered and sends SIGKILL right after the Nth write (PUT, POST or DELETE that is not a
plan or a parse), for every N. Then:

* the plan made right after the kill never says "No changes" (exit 0 under
  ``--detailed-exitcode``) while a live object the configuration manages is missing from
  the state, or a recorded one is gone;
* apply (or destroy) converges: afterwards the plan says no changes, with and without a
  refresh, and the state records exactly the live objects at their live indexes.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from plan_helpers import Run, agent_env, copy_example, ncplan

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("PUT", "POST", "DELETE")
ADDRESSES = ("consul_intention.web:db", "nomad_job.db", "nomad_job.web")


def _is_write(line: str) -> bool:
    parts = line.split()
    if len(parts) < 3 or parts[1] not in WRITES:
        return False
    path = parts[2]
    return not (path.endswith("/plan") or path.startswith("/v1/jobs/parse"))


def run_killed(directory: Path, env: dict[str, str], args: Sequence[str], kill_after: int,
               fifo: Path) -> int:
    """Run ncplan ``args``; SIGKILL it right after its ``kill_after``-th write is answered
    (0: never). Returns how many writes it made."""
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # never EOF; ncplan's opens never block
    process = subprocess.Popen(
        [sys.executable, "-m", "ncplan", "-C", str(directory), *args],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT), "NCPLAN_HTTP_STATS": str(fifo)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writes, pending = 0, b""
    try:
        while True:
            ready, _, _ = select.select([reader], [], [], 0.02)
            if ready:
                pending += os.read(reader, 65536)
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    writes += _is_write(line.decode())
                    if kill_after and writes == kill_after:
                        process.send_signal(signal.SIGKILL)
                        process.wait()
                        return writes
            elif process.poll() is not None:
                return writes
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(reader)


def _run(directory: Path, agents: Agents, *args: str) -> Run:
    return ncplan(directory, list(args), agent_env(agents))


def _recorded(directory: Path, agents: Agents) -> dict[str, int]:
    done = _run(directory, agents, "state", "pull")
    if done.exit_code != 0 or not done.stdout.strip():
        return {}
    state: dict[str, Any] = json.loads(done.stdout)
    return {r["address"]: r["observed_index"] for r in state["resources"]}


def _live(agents: Agents) -> dict[str, int]:
    """The live index of each object the configuration manages."""
    found = {}
    for name in ("db", "web"):
        answer = agents.nomad("GET", f"/v1/job/{name}")
        if answer.status_code == 200:
            found[f"nomad_job.{name}"] = answer.json()["JobModifyIndex"]
    entry = agents.consul("GET", "/v1/config/service-intentions/db")
    if entry.status_code == 200 and any(s["Name"] == "web" for s in entry.json()["Sources"]):
        found["consul_intention.web:db"] = entry.json()["ModifyIndex"]
    return found


def _assert_honest_plan(directory: Path, agents: Agents, *extra: str) -> None:
    """Right after a kill: "No changes" only when every live object is recorded and
    every recorded object lives."""
    plan = _run(directory, agents, "plan", "--detailed-exitcode", *extra)
    assert plan.exit_code in (0, 2), plan.both
    recorded, live = set(_recorded(directory, agents)), set(_live(agents))
    if plan.exit_code == 0:
        assert recorded == live, (f"plan said no changes, but the state records "
                                  f"{sorted(recorded)} and live are {sorted(live)}\n"
                                  + plan.stdout)


def _assert_converged(directory: Path, agents: Agents) -> None:
    for args in (("plan", "--detailed-exitcode"),
                 ("plan", "--no-refresh", "--detailed-exitcode")):
        again = _run(directory, agents, *args)
        assert again.exit_code == 0, again.both
    assert _recorded(directory, agents) == _live(agents)


def _apply(directory: Path, agents: Agents) -> None:
    done = _run(directory, agents, "apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both


def _fresh(tmp_path: Path, agents: Agents, n: int) -> Path:
    from plan_helpers import wipe

    wipe(agents)
    return copy_example("connect-on-nomad", tmp_path / f"run{n}")


def _update(directory: Path) -> None:
    main = directory / "main.hcl"
    text = main.read_text()
    text = text.replace('action      = "allow"', 'action      = "deny"')
    text = text.replace('service "db" {', 'service "db" {\n  count = 2\n')
    text = text.replace('service "web" {', 'service "web" {\n  count = 2\n')
    main.write_text(text)


APPLY = ("apply", "--auto-approve", "--no-wait")


def _writes(tmp_path: Path, agents: Agents, scenario: str) -> int:
    directory = _prepared(tmp_path, agents, scenario, 0)
    count = run_killed(directory, agent_env(agents), _args(scenario), 0, tmp_path / "count")
    assert count >= 3, count
    return count


def _args(scenario: str) -> tuple[str, ...]:
    return ("destroy", "--auto-approve") if scenario == "destroy" else APPLY


def _prepared(tmp_path: Path, agents: Agents, scenario: str, n: int) -> Path:
    directory = _fresh(tmp_path, agents, n)
    if scenario != "create":
        _apply(directory, agents)
    if scenario == "update":
        _update(directory)
    return directory


@pytest.mark.parametrize("scenario", ["create", "update", "destroy"])
def test_a_kill_at_every_write_leaves_a_record_that_converges(
        tmp_path: Path, agents: Agents, wiped: None, scenario: str) -> None:
    count = _writes(tmp_path, agents, scenario)
    for n in range(1, count + 1):
        started = time.monotonic()
        directory = _prepared(tmp_path, agents, scenario, n)
        run_killed(directory, agent_env(agents), _args(scenario), n, tmp_path / "fifo")
        if scenario == "destroy":
            _assert_honest_plan(directory, agents, "--destroy")
            done = _run(directory, agents, "destroy", "--auto-approve")
            assert done.exit_code == 0, done.both
            assert _recorded(directory, agents) == {} and _live(agents) == {}, done.both
            continue
        _assert_honest_plan(directory, agents)
        if scenario == "create" and n % 2:  # destroy sees what the killed create wrote
            done = _run(directory, agents, "destroy", "--auto-approve")
            assert done.exit_code == 0, done.both
            assert _live(agents) == {} and _recorded(directory, agents) == {}, done.both
            continue
        _apply(directory, agents)
        _assert_converged(directory, agents)
        assert set(_live(agents)) == set(ADDRESSES)
        assert time.monotonic() - started < 30
