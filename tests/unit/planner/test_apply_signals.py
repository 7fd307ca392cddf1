"""Real SIGINT and SIGTERM sent to a process running the apply engine.

The child (below) applies db's defaults (slow: it sleeps in the executor), db, the
intention and web with parallelism 1, over the recording executors and a real local state
file; it says "started" when the slow write begins, and the test signals it then. SIGTERM
is mapped to KeyboardInterrupt as the CLI does. The child prints what the engine returned
(or that it raised) as JSON and exits with os._exit, so the exit does not wait for a pool
thread still running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[2]

CHILD = textwrap.dedent("""
    import json, os, signal, sys, time
    from pathlib import Path
    sys.path.insert(0, {here!r})
    from apply_doubles import Calls, KeepingManager, change, executors, start_state
    from ncplan.planner.engine import ApplyOptions, apply_plan
    from ncplan.planner.model import Plan

    def to_interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, to_interrupt)

    def slow(c):
        print("started", flush=True)
        time.sleep({sleep})

    manager = KeepingManager(Path(sys.argv[1]))
    state = start_state(manager)
    changes = (change("consul_service_defaults.db"), change("nomad_job.db"),
               change("consul_intention.web:db", depends_on=("nomad_job.db",)),
               change("nomad_job.web", depends_on=("consul_intention.web:db",)))
    calls = Calls()
    began = time.monotonic()
    try:
        result = apply_plan(Plan(changes=changes), state, manager,
                            executors(calls, behave={{"consul_service_defaults.db": slow}}),
                            options=ApplyOptions(parallelism=1))
    except KeyboardInterrupt as interrupt:
        print(json.dumps({{"raised": True, "seconds": time.monotonic() - began,
                          "started": calls.started_order,
                          "notes": getattr(interrupt, "__notes__", [])}}), flush=True)
        os._exit(130)
    print(json.dumps({{"raised": False, "interrupted": result.interrupted,
                      "succeeded": list(result.succeeded),
                      "skipped": [p.address for p in result.skipped],
                      "started": calls.started_order}}), flush=True)
    os._exit(130 if result.interrupted else 0)
""")


def spawn(tmp_path: Path, sleep: float) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE), sleep=sleep))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "state.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_started(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "started", child.stderr.read() if child.stderr else line


def outcome(child: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = child.communicate(timeout=30)
    assert out.strip(), err
    return child.returncode, json.loads(out.strip().splitlines()[-1])


def recorded_addresses(tmp_path: Path) -> list[str]:
    doc = json.loads((tmp_path / "state.json").read_text())
    return sorted(r["address"] for r in doc["resources"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_lets_the_running_write_finish_and_records_it(
        tmp_path: Path, signum: int) -> None:
    child = spawn(tmp_path, sleep=2)  # room for a loaded machine to handle the signal
    wait_started(child)
    child.send_signal(signum)
    code, result = outcome(child)
    assert code == 130
    assert result == {"raised": False, "interrupted": True,
                      "succeeded": ["consul_service_defaults.db"],
                      "skipped": ["consul_intention.web:db", "nomad_job.db",
                                  "nomad_job.web"],
                      "started": ["write consul_service_defaults.db"]}
    assert recorded_addresses(tmp_path) == ["consul_service_defaults.db"]


def test_a_second_sigint_stops_at_once_and_the_state_stays_readable(tmp_path: Path) -> None:
    child = spawn(tmp_path, sleep=20)
    wait_started(child)
    child.send_signal(signal.SIGINT)
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    code, result = outcome(child)
    assert code == 130 and result["raised"] is True
    assert result["seconds"] < 10  # did not wait for the 20 s write
    assert result["started"] == ["write consul_service_defaults.db"]
    # the state stays readable, the write in flight recorded as possibly applied
    assert recorded_addresses(tmp_path) == ["consul_service_defaults.db"]
    doc = json.loads((tmp_path / "state.json").read_text())
    assert doc["resources"][0]["possibly_applied"] is True
    assert result["notes"] == ["Sent, no answer recorded (the write may have landed; the "
                               "state marks it possibly applied and the next plan settles "
                               "it): consul_service_defaults.db"]


ROLLING = textwrap.dedent("""
    import json, os, sys, threading, time
    from pathlib import Path
    sys.path.insert(0, {here!r})
    from apply_doubles import Calls, KeepingManager, RecordingHooks, change, executors, start_state
    from ncplan import interrupts
    from ncplan.planner.engine import ApplyOptions, apply_plan
    from ncplan.planner.model import Plan
    from ncplan.providers.live import DeploymentProgress

    interrupts.install()

    def never_healthy(c, index, hooks, stop):
        hooks.deployment_progress(c, DeploymentProgress(c.name, "running", desired=1))
        print("rolling", flush=True)
        stop.wait(60)
        time.sleep(0.2)  # a blocking query still in flight after the stop
        hooks.deployment_progress(c, DeploymentProgress(c.name, "running", placed=1))
        return DeploymentProgress(c.name, "running", desired=1, placed=1)

    manager = KeepingManager(Path(sys.argv[1]))
    state = start_state(manager)
    hooks = RecordingHooks()
    changes = (change("nomad_job.db"), change("nomad_job.web", depends_on=("nomad_job.db",)))
    began = time.monotonic()
    result = apply_plan(Plan(changes=changes), state, manager, executors(Calls()),
                        hooks=hooks, options=ApplyOptions(wait_for_rollout=never_healthy))
    print(json.dumps({{"seconds": time.monotonic() - began,
                      "interrupted": result.interrupted,
                      "not_awaited": list(result.not_awaited),
                      "succeeded": list(result.succeeded),
                      "skipped": [p.address for p in result.skipped],
                      "events": hooks.events, "progress": len(hooks.progress)}}), flush=True)
    os._exit(130 if result.interrupted else 0)
""")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_rollout_records_the_job_and_stops_following_it(
        tmp_path: Path, signum: int) -> None:
    script = tmp_path / "child.py"
    script.write_text(ROLLING.format(here=str(HERE)))
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "state.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "rolling"
    sent = time.monotonic()
    child.send_signal(signum)
    code, result = outcome(child)
    assert code == 130 and time.monotonic() - sent < 10
    assert result["interrupted"] and result["not_awaited"] == ["nomad_job.db"]
    assert result["succeeded"] == ["nomad_job.db"]
    assert result["skipped"] == ["nomad_job.web"]
    events = [tuple(e) for e in result["events"]]
    assert events[:3] == [("pre", "nomad_job.db", "create"), ("stopping", "", "nomad_job.db"),
                          ("post", "nomad_job.db", "ok")]
    assert result["progress"] == 1  # nothing reported after the stop
    assert recorded_addresses(tmp_path) == ["nomad_job.db"]


STOPPING = textwrap.dedent("""
    import json, os, signal, sys, threading, time
    from pathlib import Path
    sys.path.insert(0, {here!r})
    from apply_doubles import (Calls, KeepingManager, RecordingHooks, change, executors,
                               recorded, start_state)
    from ncplan import interrupts
    from ncplan.planner.engine import ApplyOptions, apply_plan
    from ncplan.planner.model import Action, Plan

    interrupts.install()

    def never_stops(c, stop):
        os.kill(os.getpid(), signal.SIGINT)
        stop.wait(60)
        time.sleep(0.2)  # a blocking query still in flight after the stop
        return None

    manager = KeepingManager(Path(sys.argv[1]))
    deny = "consul_intention.ALL:db"
    state = start_state(manager, recorded("nomad_job.db", depends_on=(deny,)), recorded(deny))
    hooks = RecordingHooks()
    changes = (change("nomad_job.db", Action.DELETE, depends_on=(deny,)),
               change(deny, Action.DELETE))
    result = apply_plan(Plan(changes=changes, prior_state=state), state, manager,
                        executors(Calls()), hooks=hooks,
                        options=ApplyOptions(wait_for_stop=never_stops))
    print(json.dumps({{"interrupted": result.interrupted, "destroyed": result.destroyed,
                      "skipped": [p.address for p in result.skipped],
                      "events": hooks.events}}), flush=True)
    os._exit(130 if result.interrupted else 0)
""")


def test_an_interrupt_while_a_deleted_jobs_allocations_stop_records_it_destroyed(
        tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(STOPPING.format(here=str(HERE)))
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "state.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    code, result = outcome(child)
    assert code == 130 and result["interrupted"] and result["destroyed"] == 1
    assert result["skipped"] == ["consul_intention.ALL:db"]  # the guard stays
    assert [tuple(e) for e in result["events"]][:3] == [
        ("pre", "nomad_job.db", "delete"), ("stopping", "", "nomad_job.db"),
        ("post", "nomad_job.db", "ok")]
    assert recorded_addresses(tmp_path) == ["consul_intention.ALL:db"]
