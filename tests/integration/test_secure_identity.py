"""Sidecar identities on the secure pair (Consul ACLs default deny, HTTPS): the seed
scenario through ncplan, the builtin proxies getting their Consul tokens from the Nomad
Variable template, never from the job spec."""

from __future__ import annotations

import json
import time
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

    # unset without a refresh: on, since the state records sidecar tokens
    assert scenario.cli(["plan", "--no-refresh", "--detailed-exitcode"]).exit_code == 0
    assert scenario.cli(["plan", "--detailed-exitcode"]).exit_code == 0

    scenario.write(action="deny")
    scenario.plan_and_apply()
    eventually_refused(port, PAYLOAD)

    scenario.write(action="allow")
    scenario.plan_and_apply()
    assert eventually_echo(port, PAYLOAD) == PAYLOAD


def variable_secret(agents: SecureAgents, name: str) -> str:
    answer = agents.nomad("GET", f"/v1/var/nomad/jobs/{name}")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["Items"]["consul_token"])


def proxy_restarts(agents: SecureAgents, name: str) -> int:
    alloc = wait_running(agents, name)  # type: ignore[arg-type]
    return int(alloc["TaskStates"]["connect-proxy"]["Restarts"])


def test_a_token_deleted_outside_is_created_again_and_the_proxy_restarts_onto_it(
        scenario: SecureScenario) -> None:
    agents = scenario.agents
    scenario.write(action="allow", identity=True)
    scenario.plan_and_apply()
    port = port_of(wait_running(agents, scenario.web), "up_" + scenario.db)  # type: ignore[arg-type]
    assert eventually_echo(port, PAYLOAD) == PAYLOAD
    old = secret_of(agents, scenario.db)
    assert variable_secret(agents, scenario.db) == old
    restarts = proxy_restarts(agents, scenario.db)

    gone = agents.consul("DELETE", f"/v1/acl/token/{token_accessor_id(scenario.db)}")
    assert gone.status_code == 200, gone.text
    plan = scenario.cli(["plan"])
    assert plan.exit_code == 0, plan.both
    assert f"# consul_acl_token.{scenario.db} will be created" in plan.stdout
    assert f"# nomad_variable.{scenario.db} will be updated in-place" in plan.stdout
    assert f"nomad_job.{scenario.db} " not in plan.stdout  # the job spec does not change
    assert "Plan: 1 to add, 1 to change, 0 to destroy." in plan.stdout
    scenario.plan_and_apply()

    new = secret_of(agents, scenario.db)
    assert new != old and variable_secret(agents, scenario.db) == new
    deadline = time.monotonic() + 60
    while proxy_restarts(agents, scenario.db) == restarts:
        assert time.monotonic() < deadline, "the db proxy did not restart onto the new token"
        time.sleep(0.5)
    assert eventually_echo(port, PAYLOAD) == PAYLOAD
    assert scenario.cli(["plan", "--detailed-exitcode"]).exit_code == 0


def test_with_sidecar_identity_off_the_tokenless_proxy_is_refused_by_consul(
        scenario: SecureScenario) -> None:
    agents = scenario.agents
    scenario.write(action="allow", identity=False)
    plan = scenario.cli(["plan"])
    assert plan.exit_code == 0, plan.both
    assert "consul_acl_token" not in plan.stdout and "nomad_variable" not in plan.stdout
    scenario.plan_and_apply()
    port = port_of(wait_running(agents, scenario.web), "up_" + scenario.db)  # type: ignore[arg-type]
    assert not proxy_task(job_of(agents, scenario.db))["Templates"]
    deadline = time.monotonic() + 30
    while "403 (Permission denied" not in proxy_logs(agents, scenario.db):
        assert time.monotonic() < deadline, proxy_logs(agents, scenario.db)
        time.sleep(0.5)
    eventually_refused(port, PAYLOAD, timeout=5)


def test_turning_identities_off_revokes_the_tokens_and_deletes_the_variables(
        scenario: SecureScenario) -> None:
    agents = scenario.agents
    scenario.write(action="allow", identity=True)
    scenario.plan_and_apply()
    scenario.write(action="allow", identity=False)
    plan = scenario.cli(["plan"])
    assert plan.exit_code == 0, plan.both
    for name in (scenario.db, scenario.web):
        assert f"# consul_acl_token.{name} will be destroyed" in plan.stdout
        assert f"# nomad_variable.{name} will be destroyed" in plan.stdout
        assert f"# nomad_job.{name} will be updated in-place" in plan.stdout
    scenario.plan_and_apply()
    for name in (scenario.db, scenario.web):
        assert agents.consul("GET", f"/v1/acl/token/{token_accessor_id(name)}").status_code == 403
        assert agents.nomad("GET", f"/v1/var/nomad/jobs/{name}").status_code == 404
        assert not proxy_task(job_of(agents, name))["Templates"]
    assert scenario.cli(["plan", "--detailed-exitcode"]).exit_code == 0
