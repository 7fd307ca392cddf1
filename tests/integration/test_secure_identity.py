"""Sidecar identities on the secure pair (Consul ACLs default deny, HTTPS): the seed
scenario through ncplan, the builtin proxies getting their Consul tokens from the Nomad
Variable template, never from the job spec."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import SecureAgents
from identitylib import SecureScenario, make_scenario, proxy_logs, purge
from meshlib import eventually_echo, eventually_refused, port_of, wait_running

from ncplan.resources.sidecar_identity import token_accessor_id

PAYLOAD = b"hello through the secure mesh\n"


@pytest.fixture
def scenario(tmp_path: Path, secure_agents: SecureAgents, unique: str) -> Iterator[SecureScenario]:
    found = make_scenario(tmp_path, secure_agents, unique)
    yield found
    purge(found)


def secret_of(agents: SecureAgents, name: str) -> str:
    answer = agents.consul("GET", f"/v1/acl/token/{token_accessor_id(name)}")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["SecretID"])


def job_of(agents: SecureAgents, name: str) -> dict[str, Any]:
    answer = agents.nomad("GET", f"/v1/job/{name}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def proxy_task(job: dict[str, Any]) -> dict[str, Any]:
    (group,) = job["TaskGroups"]
    return next(t for t in group["Tasks"] if t["Name"] == "connect-proxy")


def test_seed_scenario_flows_under_allow_and_is_refused_under_deny(
        scenario: SecureScenario) -> None:
    agents = scenario.agents
    scenario.write(action="allow")  # sidecar_identity unset: on, since Consul has ACLs
    plan = scenario.cli(["plan"])
    assert plan.exit_code == 0, plan.both
    for address in (f"consul_acl_token.{scenario.db}", f"nomad_variable.{scenario.web}"):
        assert f"# {address} will be created" in plan.stdout
    assert "(sensitive value)" in plan.stdout
    scenario.plan_and_apply()

    wait_running(agents, scenario.db)  # type: ignore[arg-type]
    port = port_of(wait_running(agents, scenario.web), "up_" + scenario.db)  # type: ignore[arg-type]
    try:
        eventually_echo(port, PAYLOAD, timeout=20)
    except AssertionError as error:
        raise AssertionError(proxy_logs(agents, scenario.db) + "\n"
                             + proxy_logs(agents, scenario.web)) from error

    for name in (scenario.db, scenario.web):
        job = job_of(agents, name)
        assert secret_of(agents, name) not in json.dumps(job)
        proxy = proxy_task(job)
        assert proxy["Env"] == {"CONSUL_HTTP_ADDR": agents.consul_addr,
                                "CONSUL_CACERT": str(agents.ca_file)}
        (template,) = proxy["Templates"]
        assert template["Envvars"] is True
        assert f'nomadVar "nomad/jobs/{name}"' in template["EmbeddedTmpl"]

    scenario.write(action="deny")
    scenario.plan_and_apply()
    eventually_refused(port, PAYLOAD)

    scenario.write(action="allow")
    scenario.plan_and_apply()
    assert eventually_echo(port, PAYLOAD) == PAYLOAD
