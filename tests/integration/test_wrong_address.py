"""An address that points at the wrong agent, or an https:// address of a plain-HTTP
agent: the message names the cause (the address answers as the other agent; the agent
speaks plain HTTP), not a symptom (a rejected job, an unsigned certificate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, copy_example, ncplan

pytestmark = pytest.mark.usefixtures("wiped")


def plan_error(tmp_path: Path, agents: Agents, change: dict[str, str]) -> str:
    directory = copy_example("connect-on-nomad", tmp_path)
    run = ncplan(directory, ["plan"], {**agent_env(agents), **change})
    assert (run.exit_code, run.stdout) == (1, ""), run.both
    return run.stderr


def test_nomad_addr_at_consul_says_it_is_consul(agents: Agents, tmp_path: Path) -> None:
    err = plan_error(tmp_path, agents, {"NOMAD_ADDR": agents.consul_addr})
    assert f"{agents.consul_addr} (NOMAD_ADDR) does not answer as Nomad: it is Consul" in err
    assert "Hint: set NOMAD_ADDR to the Nomad agent's address" in err
    assert "rejected the job" not in err and "fix the job block" not in err


def test_consul_addr_at_nomad_says_it_is_nomad(agents: Agents, tmp_path: Path) -> None:
    err = plan_error(tmp_path, agents, {"CONSUL_HTTP_ADDR": agents.nomad_addr})
    assert (f"{agents.nomad_addr} (CONSUL_HTTP_ADDR) does not answer as Consul: it is "
            "Nomad") in err
    assert "DebugConfig" not in err


@pytest.mark.parametrize(("name", "variable"), [("Nomad", "NOMAD_ADDR"),
                                                ("Consul", "CONSUL_HTTP_ADDR")])
def test_https_to_a_plain_http_agent_says_it_speaks_plain_http(
        agents: Agents, tmp_path: Path, name: str, variable: str) -> None:
    plain = agents.nomad_addr if name == "Nomad" else agents.consul_addr
    https = plain.replace("http://", "https://")
    err = plan_error(tmp_path, agents, {variable: https})
    assert f"{name} at {https} speaks plain HTTP, not HTTPS" in err
    assert f"Hint: set {variable} to {plain}" in err
    assert "did not sign" not in err
