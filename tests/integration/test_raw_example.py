"""examples/connect-on-nomad-raw, the seed guide's two jobs (their app tasks made runnable,
every Connect part verbatim), planned and applied through ncplan on the real agents: bytes
sent to web's proxy come back from db's echo server through the guide's two `consul connect
proxy` tasks under the allow intention, and are refused once the intention says deny.

The copy's proxies run the agents' consul binary with the agents' address (runnable.py):
the one line that differs from a node with /usr/local/bin/consul and an agent on :8500.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from meshlib import eventually_echo, eventually_refused, wait_running
from plan_helpers import agent_env, ncplan, wipe
from runnable import copy_raw_example

ALLOW = 'action = "allow"'
DENY = 'action = "deny"'


@pytest.fixture
def raw(agents: Agents, tmp_path: Path) -> Iterator[Path]:
    wipe(agents)
    yield copy_raw_example(tmp_path, agents)
    wipe(agents)


def task_port(alloc: dict[str, Any], task: str, label: str) -> int:
    """A port of a task-level network (the guide's `resources { network { port ... } }`)."""
    for network in alloc["AllocatedResources"]["Tasks"][task]["Networks"]:
        for port in network["DynamicPorts"] or []:
            if port["Label"] == label:
                return int(port["Value"])
    raise AssertionError(f"no port {label} on task {task}")


def set_action(directory: Path, old: str, new: str) -> None:
    jobs = directory / "jobs.hcl"
    text = jobs.read_text()
    assert text.count(old) == 1
    jobs.write_text(text.replace(old, new))


def test_the_raw_example_plans_every_resource_as_a_create(agents: Agents, raw: Path) -> None:
    run = ncplan(raw, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in run.stdout
    for address in ("nomad_job.db", "nomad_job.web", "consul_intention.web:db"):
        assert f"# {address} will be created" in run.stdout
    assert "Nomad scheduler: web: 1 create" in run.stdout
    assert run.stderr == ""


def test_the_raw_example_applies_and_carries_bytes_through_the_guides_proxies(
        agents: Agents, raw: Path) -> None:
    env = agent_env(agents)
    applied = ncplan(raw, ["apply", "--auto-approve"], env)
    assert applied.exit_code == 0, applied.both
    assert "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." in applied.stdout
    wait_running(agents, "db")
    upstream = task_port(wait_running(agents, "web"), "proxy", "tcp")
    payload = b"hello through the seed guide's proxies\n"
    assert eventually_echo(upstream, payload) == payload

    replanned = ncplan(raw, ["plan", "--detailed-exitcode"], env)
    assert replanned.exit_code == 0, replanned.both
    assert "No changes." in replanned.stdout

    set_action(raw, ALLOW, DENY)
    denied = ncplan(raw, ["apply", "--auto-approve"], env)
    assert denied.exit_code == 0, denied.both
    eventually_refused(upstream, payload)

    destroyed = ncplan(raw, ["destroy", "--auto-approve"], env)
    assert destroyed.exit_code == 0, destroyed.both
    assert "3 destroyed" in destroyed.stdout
