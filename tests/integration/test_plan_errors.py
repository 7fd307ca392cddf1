"""``ncplan plan``'s errors (exit 1, no traceback) and its state lock, through the CLI."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, copy_example, ncplan

from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import backend_from_directory
from ncplan.state import locked

# The raw example's web app task, and the seed guide's own, which has no driver.
RUNNABLE_WEB_APP = '''\
      driver = "raw_exec"

      config {
        command = "sleep"
        args    = ["2147483647"]
      }
'''
GUIDE_WEB_APP = "      # ... typical configuration.\n"


def test_an_unreachable_nomad_names_its_address_and_the_variable(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    env = {**agent_env(agents), "NOMAD_ADDR": "http://127.0.0.1:1"}
    run = ncplan(directory, ["plan"], env)
    assert run.exit_code == 1
    assert run.stdout == ""
    assert "cannot reach Nomad at http://127.0.0.1:1" in run.stderr
    assert "NOMAD_ADDR" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unreachable_consul_names_its_address_and_the_variable(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    env = {**agent_env(agents), "CONSUL_HTTP_ADDR": "127.0.0.1:1"}
    run = ncplan(directory, ["plan"], env)
    assert run.exit_code == 1
    assert "cannot reach Consul at http://127.0.0.1:1" in run.stderr
    assert "CONSUL_HTTP_ADDR" in run.stderr


def test_a_job_nomad_rejects_shows_nomads_message_address_and_location(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad-raw", tmp_path)
    jobs = directory / "jobs.hcl"
    text = jobs.read_text()
    assert text.count(RUNNABLE_WEB_APP) == 1
    jobs.write_text(text.replace(RUNNABLE_WEB_APP, GUIDE_WEB_APP))  # the guide's: no driver
    run = ncplan(directory, ["plan"], agent_env(agents))
    assert run.exit_code == 1
    assert "nomad_job.web (jobs.hcl:60:1): Nomad rejected the job" in run.stderr
    assert "Missing task driver" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_plan_during_a_held_lock_fails_naming_the_holder(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    manager = backend_from_directory(AppContext(directory, color=False))
    with locked(manager, "apply", 0.0, manager.description):
        run = ncplan(directory, ["plan"], agent_env(agents))
    assert run.exit_code == 1
    assert "state locked by" in run.stderr and "for apply" in run.stderr
    assert run.stdout == ""


def test_a_plan_waits_for_the_lock_with_lock_timeout(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    manager = backend_from_directory(AppContext(directory, color=False))
    held = threading.Event()
    released: list[float] = []

    def hold() -> None:
        with locked(manager, "apply", 0.0, manager.description):
            held.set()
            time.sleep(1.5)
        released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    run = ncplan(directory, ["plan", "--lock-timeout", "20s"], agent_env(agents))
    finished = time.monotonic()
    holder.join()
    assert run.exit_code == 0, run.both
    assert finished >= released[0]  # it waited for the holder, then planned
    assert "Plan: 3 to add" in run.stdout


def test_a_plan_during_a_held_consul_lock_fails_naming_the_holder(
        agents: Agents, tmp_path: Path, unique: str, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    with (directory / "main.hcl").open("a") as main:
        main.write(f'\nbackend "consul" {{\n  path = "ncplan/plan-test-{unique}"\n}}\n')
    monkeypatch.setenv("CONSUL_HTTP_ADDR", agents.consul_addr)
    manager = backend_from_directory(AppContext(directory, color=False))
    with locked(manager, "apply", 0.0, manager.description):
        run = ncplan(directory, ["plan"], agent_env(agents))
    assert run.exit_code == 1
    assert "state locked by" in run.stderr and "for apply" in run.stderr
    after = ncplan(directory, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert after.exit_code == 2, after.both  # the lock is free again, and plan released its own
    again = ncplan(directory, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert again.exit_code == 2, again.both
