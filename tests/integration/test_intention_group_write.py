"""Intentions toward one destination that are ready together go in one check-and-set
write of its entry (each still a step of its own: its line, its record), against the
real agents: the requests sent (``NCPLAN_HTTP_STATS``), the entry and the state after,
and a group whose entry moved since the plan writing none of its sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, ncplan

CALLERS = ("grp-a", "grp-b", "grp-c")


@pytest.fixture
def destination(agents: Agents, unique: str) -> Iterator[str]:
    name = f"grp-db-{unique}"
    yield name
    agents.consul("DELETE", f"/v1/config/service-intentions/{name}")


def configure(directory: Path, destination: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / "main.hcl").write_text("".join(
        f'intention "{caller}" "{destination}" {{\n  action = "allow"\n}}\n'
        for caller in CALLERS))


def sent(stats: Path) -> list[str]:
    return [" ".join(line.split()[:3]) for line in stats.read_text().splitlines()]


def test_three_intentions_to_one_destination_are_one_entry_write(
        agents: Agents, tmp_path: Path, destination: str) -> None:
    directory = tmp_path / "group"
    configure(directory, destination)
    stats = tmp_path / "stats"
    done = ncplan(directory, ["apply", "--auto-approve"],
                  {**agent_env(agents), "NCPLAN_HTTP_STATS": str(stats)})
    assert done.exit_code == 0, done.both
    for caller in CALLERS:
        assert f"consul_intention.{caller}:{destination}: Creation complete" in done.stdout
    assert "Apply complete! Resources: 3 added" in done.stdout
    assert sent(stats).count("Consul PUT /v1/config") == 1, sent(stats)

    entry = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    assert sorted(s["Name"] for s in entry["Sources"]) == list(CALLERS)
    state = json.loads((directory / "ncplan.state.json").read_text())
    indexes = {r["address"]: r["observed_index"] for r in state["resources"]}
    assert indexes == {f"consul_intention.{c}:{destination}": entry["ModifyIndex"]
                       for c in CALLERS}
    again = ncplan(directory, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert again.exit_code == 0, again.both


def test_a_group_whose_entry_moved_since_the_plan_writes_none_of_it(
        agents: Agents, tmp_path: Path, destination: str) -> None:
    directory = tmp_path / "moved"
    configure(directory, destination)
    (directory / "first.hcl").write_text(
        f'intention "grp-first" "{destination}" {{\n  action = "allow"\n}}\n')
    main = (directory / "main.hcl").read_text()
    (directory / "main.hcl").write_text("")
    env = agent_env(agents)
    assert ncplan(directory, ["apply", "--auto-approve"], env).exit_code == 0
    (directory / "main.hcl").write_text(main)
    saved = str(directory / "three.plan")
    assert ncplan(directory, ["plan", "--out", saved], env).exit_code == 0
    entry = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    entry["Sources"] = [{**s, "Description": "edited outside"} for s in entry["Sources"]]
    assert agents.consul("PUT", "/v1/config", json=entry).json() is True

    failed = ncplan(directory, ["apply", saved], env)
    assert failed.exit_code == 1, failed.both
    for caller in CALLERS:
        assert f"consul_intention.{caller}:{destination}" in failed.stderr, failed.stderr
    after = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    assert [s["Name"] for s in after["Sources"]] == ["grp-first"]


def test_sources_leaving_one_entry_together_are_one_write_and_all_of_them_one_delete(
        agents: Agents, tmp_path: Path, destination: str) -> None:
    directory = tmp_path / "leave"
    configure(directory, destination)
    env = agent_env(agents)
    assert ncplan(directory, ["apply", "--auto-approve"], env).exit_code == 0
    (directory / "main.hcl").write_text(
        f'intention "{CALLERS[0]}" "{destination}" {{\n  action = "allow"\n}}\n')
    stats = tmp_path / "stats"
    two = ncplan(directory, ["apply", "--auto-approve"],
                 {**env, "NCPLAN_HTTP_STATS": str(stats)})
    assert two.exit_code == 0, two.both
    assert "Resources: 0 added, 0 changed, 2 destroyed" in two.stdout
    assert sent(stats).count("Consul PUT /v1/config") == 1, sent(stats)
    entry = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    assert [s["Name"] for s in entry["Sources"]] == [CALLERS[0]]

    configure(directory, destination)
    assert ncplan(directory, ["apply", "--auto-approve"], env).exit_code == 0
    stats.unlink()
    gone = ncplan(directory, ["destroy", "--auto-approve"],
                  {**env, "NCPLAN_HTTP_STATS": str(stats)})
    assert gone.exit_code == 0, gone.both
    assert "Destroy complete! Resources: 3 destroyed." in gone.stdout
    deletes = [line for line in sent(stats) if line.startswith("Consul DELETE")]
    assert deletes == [f"Consul DELETE /v1/config/service-intentions/{destination}"], sent(stats)
    assert "Consul PUT /v1/config" not in sent(stats)
    assert agents.consul("GET", f"/v1/config/service-intentions/{destination}").status_code \
        == 404
