"""examples/clusters on two real pairs (two clusters, east and west): one apply writes
both, bytes go through web's sidecar to db in each pair while the intention allows them
and are refused in each once it denies; a second plan changes nothing; db dropped from
west plans exactly west's objects; a pair that is down fails the plan naming its cluster
and leaves the state as it was; a saved plan applies in both, and one made stale by a
foreign write in west is refused naming west; import adopts the object of the cluster its
address names; a failed rollout in west rolls back this run's changes in each cluster."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from apply_helpers import ALLOW, DENY, summary_counts
from meshlib import eventually_echo, eventually_refused, mesh_programs, port_of, wait_running
from plan_helpers import Run, ncplan, wipe

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "clusters"
PAYLOAD = b"hello through two clusters\n"
NAMES = ("db", "web")
EVERY = ["consul_intention.web:db@east", "consul_intention.web:db@west",
         "nomad_job.db@east", "nomad_job.db@west", "nomad_job.web@east", "nomad_job.web@west"]


@dataclass(frozen=True)
class Clusters:
    directory: Path
    east: Agents
    west: Agents

    @property
    def env(self) -> dict[str, str]:  # no NOMAD_ADDR/CONSUL_HTTP_ADDR: the blocks say
        return {"NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "100"}

    def run(self, *args: str) -> Run:
        return ncplan(self.directory, list(args), self.env)

    def edit(self, old: str, new: str) -> None:
        main = self.directory / "main.hcl"
        text = main.read_text()
        assert text.count(old) == 1, f"{old!r} not found once in {main}"
        main.write_text(text.replace(old, new))

    def state_text(self) -> str:
        return (self.directory / "ncplan.state.json").read_text()

    def addresses(self) -> list[str]:
        state: dict[str, Any] = json.loads(self.state_text())
        return sorted(r["address"] for r in state["resources"])


@pytest.fixture
def clusters(tmp_path: Path, two_pairs: tuple[Agents, Agents]) -> Iterator[Clusters]:
    east, west = two_pairs
    directory = tmp_path / "clusters"
    shutil.copytree(EXAMPLE, directory)
    db, web = mesh_programs(tmp_path / "bin")
    values = {"east_nomad": east.nomad_addr, "east_consul": east.consul_addr,
              "west_nomad": west.nomad_addr, "west_consul": west.consul_addr,
              "db_command": db, "web_command": web,
              "consul_binary": str(east.consul_binary)}
    (directory / "test.ncvars.hcl").write_text("".join(
        f"{name} = {json.dumps(value)}\n" for name, value in values.items()))
    for pair in two_pairs:
        wipe(pair, NAMES)
    yield Clusters(directory, east, west)
    for pair in two_pairs:
        wipe(pair, NAMES)


def test_one_apply_runs_the_mesh_in_both_clusters_and_the_intention_holds_in_each(
        clusters: Clusters) -> None:
    done = clusters.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both
    assert summary_counts(done.stdout) == \
        "Apply complete! Resources: 6 added, 0 changed, 0 destroyed."
    assert clusters.addresses() == EVERY
    ports = {}
    for pair in (clusters.east, clusters.west):
        assert pair.nomad("GET", "/v1/job/db").status_code == 200
        sources = pair.consul("GET", "/v1/config/service-intentions/db").json()["Sources"]
        assert [(s["Name"], s["Action"]) for s in sources] == [("web", "allow")]
        ports[pair] = port_of(wait_running(pair, "web"), "up_db")
        assert eventually_echo(ports[pair], PAYLOAD) == PAYLOAD

    again = clusters.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "No changes." in again.stdout

    clusters.edit(ALLOW, DENY)
    denied = clusters.run("apply", "--auto-approve")
    assert denied.exit_code == 0, denied.both
    assert summary_counts(denied.stdout) == \
        "Apply complete! Resources: 0 added, 2 changed, 0 destroyed."
    for port in ports.values():
        eventually_refused(port, PAYLOAD)


def test_dropping_a_service_from_one_cluster_plans_exactly_that_clusters_objects(
        clusters: Clusters) -> None:
    assert clusters.run("apply", "--auto-approve", "--no-wait").exit_code == 0
    clusters.edit('clusters = ["east", "west"]', 'clusters = ["east"]')
    planned = clusters.run("plan", "--json")
    assert planned.exit_code == 0, planned.both
    changes = json.loads(planned.stdout)["resource_changes"]
    acting = sorted((c["address"], c["change"]["actions"]) for c in changes
                    if c["change"]["actions"] != ["no-op"])
    assert acting == [("consul_intention.web:db@west", ["delete"]),
                      ("nomad_job.db@west", ["delete"])]

    done = clusters.run("apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both
    assert clusters.west.nomad("GET", "/v1/job/db").status_code == 404
    assert clusters.east.nomad("GET", "/v1/job/db").status_code == 200
    assert clusters.addresses() == [a for a in EVERY if not a.endswith(("db@west",))]

    gone = clusters.run("destroy", "--auto-approve", "--no-wait")
    assert gone.exit_code == 0, gone.both
    assert summary_counts(gone.stdout) == "Destroy complete! Resources: 4 destroyed."
    assert clusters.addresses() == []
    for pair in (clusters.east, clusters.west):
        assert pair.nomad("GET", "/v1/job/web").status_code == 404


def test_a_pair_that_is_down_fails_the_plan_naming_its_cluster_and_keeps_the_state(
        clusters: Clusters) -> None:
    assert clusters.run("apply", "--auto-approve", "--no-wait").exit_code == 0
    before = clusters.state_text()
    clusters.edit('address = var.west_nomad', 'address = "http://127.0.0.1:1"')
    for command in (["plan"], ["apply", "--auto-approve", "--no-wait"]):
        failed = clusters.run(*command)
        assert failed.exit_code == 1, failed.both
        assert 'cluster "west"' in failed.stderr, failed.stderr
        assert "127.0.0.1:1" in failed.stderr, failed.stderr
        assert clusters.state_text() == before
    assert not (clusters.directory / "ncplan.state.json.lock").exists()


def test_a_target_with_a_cluster_key_plans_that_cluster_only(clusters: Clusters) -> None:
    planned = clusters.run("plan", "--json", "--target", "nomad_job.db@west")
    assert planned.exit_code == 0, planned.both
    changes = json.loads(planned.stdout)["resource_changes"]
    assert [c["address"] for c in changes] == ["nomad_job.db@west"]


def _rewrite_intentions_of_db(pair: Agents) -> None:
    """A foreign writer edits db's intentions (a description): a new index."""
    entry = pair.consul("GET", "/v1/config/service-intentions/db").json()
    for index in ("CreateIndex", "ModifyIndex"):
        entry.pop(index, None)
    entry["Sources"][0]["Description"] = "written by someone else"
    assert pair.consul("PUT", "/v1/config", json=entry).status_code == 200


def test_a_saved_plan_applies_in_both_clusters_and_a_stale_one_names_its_cluster(
        clusters: Clusters) -> None:
    first, second_file = (str(clusters.directory / n) for n in ("first.plan", "second.plan"))
    saved = clusters.run("plan", "--out", first)
    assert saved.exit_code == 0, saved.both
    done = clusters.run("apply", "--no-wait", first)
    assert done.exit_code == 0, done.both
    assert summary_counts(done.stdout) == \
        "Apply complete! Resources: 6 added, 0 changed, 0 destroyed."
    assert clusters.addresses() == EVERY
    for pair in (clusters.east, clusters.west):
        assert pair.nomad("GET", "/v1/job/db").status_code == 200

    clusters.edit(ALLOW, DENY)
    second = clusters.run("plan", "--out", second_file)
    assert second.exit_code == 0, second.both
    before = clusters.state_text()
    _rewrite_intentions_of_db(clusters.west)
    stale = clusters.run("apply", "--no-wait", second_file)
    assert stale.exit_code == 1, stale.both
    assert 'cluster "west": consul_intention.web:db@west changed since the plan' \
        in stale.stderr, stale.stderr
    assert "@east" not in stale.stderr, stale.stderr
    assert clusters.state_text() == before
    for pair in (clusters.east, clusters.west):  # nothing written in either cluster
        sources = pair.consul("GET", "/v1/config/service-intentions/db").json()["Sources"]
        assert [s["Action"] for s in sources] == ["allow"]
    assert not (clusters.directory / "ncplan.state.json.lock").exists()


def test_import_adopts_the_live_object_of_the_cluster_its_address_names(
        clusters: Clusters) -> None:
    only_west = clusters.run("apply", "--auto-approve", "--no-wait",
                             "--target", "nomad_job.db@west")
    assert only_west.exit_code == 0, only_west.both
    assert clusters.run("state", "rm", "nomad_job.db@west").exit_code == 0
    assert clusters.east.nomad("GET", "/v1/job/db").status_code == 404

    unkeyed = clusters.run("import", "nomad_job.db", "db")
    assert unkeyed.exit_code == 1, unkeyed.both
    assert "nomad_job.db@east or nomad_job.db@west" in unkeyed.stderr, unkeyed.stderr
    in_east = clusters.run("import", "nomad_job.db@east", "db")  # db runs in west only
    assert in_east.exit_code == 1, in_east.both
    assert 'cluster "east": nomad_job.db@east: no object' in in_east.stderr, in_east.stderr

    adopted = clusters.run("import", "nomad_job.db@west", "db")
    assert adopted.exit_code == 0, adopted.both
    assert "nomad_job.db@west" in adopted.stdout, adopted.stdout
    assert clusters.addresses() == ["nomad_job.db@west"]
    state: dict[str, Any] = json.loads(clusters.state_text())
    live = clusters.west.nomad("GET", "/v1/job/db").json()
    assert state["resources"][0]["observed_index"] == live["JobModifyIndex"]

    planned = clusters.run("plan", "--json", "--target", "nomad_job.db@west")
    assert planned.exit_code == 0, planned.both
    changes = json.loads(planned.stdout)["resource_changes"]
    assert [(c["address"], c["change"]["actions"]) for c in changes] == \
        [("nomad_job.db@west", ["no-op"])]


def _version(pair: Agents, job: str) -> int:
    return int(pair.nomad("GET", f"/v1/job/{job}").json()["Version"])


def _action(pair: Agents) -> str:
    sources = pair.consul("GET", "/v1/config/service-intentions/db").json()["Sources"]
    return str(sources[0]["Action"])


def test_a_failed_rollout_in_one_cluster_rolls_back_each_clusters_changes_there(
        clusters: Clusters) -> None:
    done = clusters.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both
    versions = {pair: {job: _version(pair, job) for job in NAMES}
                for pair in (clusters.east, clusters.west)}
    records = json.loads(clusters.state_text())["resources"]
    clusters.edit(ALLOW, DENY)  # both clusters' intention
    clusters.edit("consul_agent = var.west_consul",  # west's sidecars cannot start
                  'consul_agent = var.west_consul\n    consul_binary = "/nonexistent/consul"')

    failed = clusters.run("apply", "--auto-approve", "--rollback-on-failure",
                          "--wait-timeout", "30s")

    assert failed.exit_code == 1, failed.both
    assert "A step failed: rolling back what this apply changed" in failed.stdout
    assert "consul_intention.web:db@east: Rollback: Modifications complete" in failed.stdout
    assert "consul_intention.web:db@west: Rollback: Modifications complete" in failed.stdout
    assert "Not rolled back" not in failed.stderr, failed.stderr
    assert "Failed: nomad_job.db@west:" in failed.stderr, failed.stderr  # web@west skipped
    assert ("Rolled back: consul_intention.web:db@east, consul_intention.web:db@west, "
            "nomad_job.db@west\n") in failed.stderr, failed.stderr
    for pair in (clusters.east, clusters.west):
        assert _action(pair) == "allow"
    assert {job: _version(clusters.east, job) for job in NAMES} == versions[clusters.east]
    assert _version(clusters.west, "db") == versions[clusters.west]["db"] + 2  # broken, revert
    assert _version(clusters.west, "web") == versions[clusters.west]["web"]  # never started
    assert "/nonexistent/consul" not in json.dumps(
        clusters.west.nomad("GET", "/v1/job/db").json())
    after = json.loads(clusters.state_text())["resources"]
    assert _unindexed(after) == _unindexed(records)


def _unindexed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "observed_index"} for r in records]
