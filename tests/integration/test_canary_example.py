"""examples/canary end to end on the real agents: the job registers with its canary
update and track meta, Consul's compiled discovery chain holds what the canary block
asks for (90/10 between the stable and canary subsets); a weight change plans as one
update; destroy removes every entry without a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, copy_example, ncplan, wipe

from ncplan.providers.consul_config import split_weights

pytestmark = pytest.mark.integration

STABLE = "stable.api.default.default.dc1"
CANARY = "canary.api.default.default.dc1"
ENTRIES = (("service-splitter", "api"), ("service-resolver", "api"))


def _clean(agents: Agents) -> None:
    for kind, name in ENTRIES:
        agents.consul("DELETE", f"/v1/config/{kind}/{name}")
    wipe(agents, ("web", "api"))


@pytest.fixture
def canary(agents: Agents, tmp_path: Path) -> Iterator[Path]:
    _clean(agents)
    yield copy_example("canary", tmp_path)
    _clean(agents)


def _weights(agents: Agents) -> dict[str, float]:
    answer = agents.consul("GET", "/v1/discovery-chain/api")
    assert answer.status_code == 200, answer.text
    return split_weights(answer.json())


def test_canary_applies_shifts_by_one_update_and_destroys(agents: Agents,
                                                          canary: Path) -> None:
    env = agent_env(agents)
    applied = ncplan(canary, ["apply", "--auto-approve", "--no-wait"], env)
    assert applied.exit_code == 0, applied.both
    assert _weights(agents) == {STABLE: 90.0, CANARY: 10.0}
    log = applied.stdout  # the resolver's subsets before the splitter, both before web
    assert log.index("consul_config_entry.service-resolver.api: Creation complete") < \
        log.index("consul_config_entry.service-splitter.api: Creating...")
    assert log.index("consul_config_entry.service-splitter.api: Creation complete") < \
        log.index("nomad_job.web: Creating...")

    again = ncplan(canary, ["plan", "--detailed-exitcode"], env)
    assert again.exit_code == 0, again.both  # no noise from what Consul adds

    group = agents.nomad("GET", "/v1/job/api").json()["TaskGroups"][0]
    assert group["Update"]["Canary"] == 1 and group["Update"]["AutoPromote"] is False
    assert group["Services"][0]["Meta"] == {"ncplan_track": "stable"}
    assert group["Services"][0]["CanaryMeta"] == {"ncplan_track": "canary"}

    main = canary / "main.hcl"
    main.write_text(main.read_text().replace("weight = 10", "weight = 50"))
    shifted = ncplan(canary, ["plan"], env)
    assert shifted.exit_code == 0, shifted.both
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in shifted.stdout, shifted.stdout
    assert "# consul_config_entry.service-splitter.api will be updated in-place" \
        in shifted.stdout
    assert "90 -> 50" in shifted.stdout and "10 -> 50" in shifted.stdout
    assert ncplan(canary, ["apply", "--auto-approve", "--no-wait"], env).exit_code == 0
    assert _weights(agents) == {STABLE: 50.0, CANARY: 50.0}

    destroyed = ncplan(canary, ["destroy", "--auto-approve"], env)
    assert destroyed.exit_code == 0, destroyed.both
    log = destroyed.stdout  # the reverse: the splitter gone before the resolver
    assert log.index("consul_config_entry.service-splitter.api: Destruction complete") < \
        log.index("consul_config_entry.service-resolver.api: Destroying...")
    for kind, name in ENTRIES:
        assert agents.consul("GET", f"/v1/config/{kind}/{name}").status_code == 404
