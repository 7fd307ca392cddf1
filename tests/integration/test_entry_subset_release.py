"""A resolver that drops a subset in the same apply as the splitter that stops naming it,
on the real agents: the splitter is written (or deleted) first, so Consul never sees a
live splitter naming a subset no resolver defines (issue 21 point 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, ncplan

pytestmark = pytest.mark.integration

SERVICE = "subset-release"
RESOLVER = f"consul_config_entry.service-resolver.{SERVICE}"
SPLITTER = f"consul_config_entry.service-splitter.{SERVICE}"
KINDS = ("service-splitter", "service-resolver", "service-defaults")


def _wipe(agents: Agents) -> None:
    for kind in KINDS:
        agents.consul("DELETE", f"/v1/config/{kind}/{SERVICE}")


def _resolver(*subsets: str) -> str:
    body = "".join(f'  {s} = {{ Filter = "Service.Meta.version == {s}" }}\n' for s in subsets)
    return f'Kind = "service-resolver"\nName = "{SERVICE}"\nSubsets = {{\n{body}}}\n'


def _splitter(*splits: tuple[int, str]) -> str:
    body = "".join(f'  {{ Weight = {w}, ServiceSubset = "{s}" }},\n' for w, s in splits)
    return f'Kind = "service-splitter"\nName = "{SERVICE}"\nSplits = [\n{body}]\n'


@pytest.fixture
def canary(agents: Agents, tmp_path: Path) -> Iterator[Path]:
    """Applied: service-defaults http, resolver {v1, v2}, splitter 90/10."""
    _wipe(agents)
    (tmp_path / "main.hcl").write_text('defaults {\n  datacenters = ["dc1"]\n}\n')
    (tmp_path / "defaults.consul.hcl").write_text(
        f'Kind = "service-defaults"\nName = "{SERVICE}"\nProtocol = "http"\n')
    # named so that the file order is the wrong order: the contents decide
    (tmp_path / "a-resolver.consul.hcl").write_text(_resolver("v1", "v2"))
    (tmp_path / "b-splitter.consul.hcl").write_text(_splitter((90, "v1"), (10, "v2")))
    applied = ncplan(tmp_path, ["apply", "--auto-approve", "--no-wait"], agent_env(agents))
    assert applied.exit_code == 0, applied.both
    yield tmp_path
    _wipe(agents)


def _targets(agents: Agents) -> list[str]:
    answer = agents.consul("GET", f"/v1/discovery-chain/{SERVICE}")
    assert answer.status_code == 200, answer.text
    return sorted(answer.json()["Chain"]["Targets"])


def _order(plan: str) -> list[str]:
    lines = plan.split("Apply order:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.split(". ", 1)[1] for line in lines]


def test_the_splitter_stops_naming_v2_before_the_resolver_drops_it(
        agents: Agents, canary: Path) -> None:
    env = agent_env(agents)
    assert len(_targets(agents)) == 2
    (canary / "a-resolver.consul.hcl").write_text(_resolver("v1"))
    (canary / "b-splitter.consul.hcl").write_text(_splitter((100, "v1")))
    saved = canary / "settle.plan"  # the saved plan carries what orders the apply
    plan = ncplan(canary, ["plan", "--out", str(saved)], env)
    assert plan.exit_code == 0, plan.both
    applied = ncplan(canary, ["apply", str(saved), "--no-wait"], env)
    assert applied.exit_code == 0, applied.both  # not "does not have a subset named"
    assert _order(plan.stdout) == [SPLITTER, RESOLVER], plan.stdout
    assert "Resources: 0 added, 2 changed, 0 destroyed" in applied.stdout, applied.stdout
    assert _targets(agents) == [f"v1.{SERVICE}.default.default.dc1"]
    assert ncplan(canary, ["plan", "--detailed-exitcode"], env).exit_code == 0


def test_a_splitter_deleted_with_the_resolver_dropping_its_subset(
        agents: Agents, canary: Path) -> None:
    env = agent_env(agents)
    (canary / "b-splitter.consul.hcl").unlink()
    (canary / "a-resolver.consul.hcl").write_text(_resolver("v1"))
    plan = ncplan(canary, ["plan"], env)
    assert plan.exit_code == 0, plan.both
    applied = ncplan(canary, ["apply", "--auto-approve", "--no-wait"], env)
    assert applied.exit_code == 0, applied.both  # not "does not have a subset named"
    assert _order(plan.stdout) == [SPLITTER, RESOLVER], plan.stdout
    assert "Resources: 0 added, 1 changed, 1 destroyed" in applied.stdout, applied.stdout
    gone = agents.consul("GET", f"/v1/config/service-splitter/{SERVICE}")
    assert gone.status_code == 404
