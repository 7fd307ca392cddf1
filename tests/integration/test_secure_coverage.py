"""The intention-coverage warning follows the mesh's default: the same configuration (web
dials db, no intention) warns on the secure pair (Consul ACLs, default deny) and not on
the dev pair (no ACLs: default allow). ``sidecar_identity`` unset follows ACLs too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents, SecureAgents
from identitylib import SecureScenario, make_scenario, purge

WARNING = "upstream declared but no intention allows it; connections will be refused"


@pytest.fixture
def scenario(tmp_path: Path, secure_agents: SecureAgents, unique: str) -> Iterator[SecureScenario]:
    found = make_scenario(tmp_path, secure_agents, unique)
    found.write(action=None)
    yield found
    purge(found)


def test_the_coverage_warning_fires_on_the_secure_pair_only(
        scenario: SecureScenario, agents: Agents) -> None:
    secure = scenario.cli(["plan"])
    assert secure.exit_code == 0, secure.both
    assert f"{scenario.web} -> {scenario.db}: {WARNING}" in secure.both
    assert f"consul_acl_token.{scenario.db} will be created" in secure.stdout

    dev_env = {"NOMAD_ADDR": agents.nomad_addr, "CONSUL_HTTP_ADDR": agents.consul_addr,
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "100"}
    dev = scenario.cli(["plan"], dev_env)
    assert dev.exit_code == 0, dev.both
    assert WARNING not in dev.both
    assert "consul_acl_token" not in dev.stdout and "nomad_variable" not in dev.stdout
    assert f"nomad_job.{scenario.db} will be created" in dev.stdout
