"""`ncplan apply` and `ncplan destroy` of examples/connect-on-nomad, end to end on the real
agents with the builtin sidecars: bytes go through web's upstream port to db while the
intention allows it and are refused once it denies; a count change is an in-place update;
destroy leaves nothing but the intention sources ncplan does not manage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from apply_helpers import ALLOW, DENY, NAMES, Mesh, make_mesh, summary_counts
from meshlib import eventually_echo, eventually_refused, port_of, wait_running
from plan_helpers import wipe

PAYLOAD = b"hello through ncplan apply\n"


@pytest.fixture
def mesh(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents)
    yield found
    wipe(agents, NAMES)


def test_apply_runs_the_mesh_and_intention_changes_allow_and_refuse_bytes(
        mesh: Mesh, agents: Agents) -> None:
    done = mesh.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both
    assert "nomad_job.db: Creation complete after" in done.stdout
    assert summary_counts(done.stdout) == \
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    assert done.stderr == ""
    assert mesh.addresses() == ["consul_intention.web:db", "nomad_job.db", "nomad_job.web"]
    port = port_of(wait_running(agents, "web"), "up_db")
    assert eventually_echo(port, PAYLOAD) == PAYLOAD

    again = mesh.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "No changes." in again.stdout

    mesh.edit(ALLOW, DENY)
    denied = mesh.run("apply", "--auto-approve")
    assert denied.exit_code == 0, denied.both
    assert summary_counts(denied.stdout) == \
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed."
    eventually_refused(port, PAYLOAD)

    mesh.edit(DENY, ALLOW)
    assert mesh.run("apply", "--auto-approve").exit_code == 0
    assert eventually_echo(port, PAYLOAD) == PAYLOAD


def test_a_count_change_is_applied_in_place_then_destroy_keeps_foreign_sources(
        mesh: Mesh, agents: Agents) -> None:
    assert mesh.run("apply", "--auto-approve", "--no-wait").exit_code == 0
    version = agents.nomad("GET", "/v1/job/web").json()["Version"]
    mesh.edit('service "web" {', 'service "web" {\n  count = 2\n')
    done = mesh.run("apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both
    assert "nomad_job.web: Modifying..." in done.stdout
    assert summary_counts(done.stdout) == \
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed."
    job = agents.nomad("GET", "/v1/job/web").json()
    assert job["TaskGroups"][0]["Count"] == 2
    assert job["Version"] == version + 1
    assert mesh.run("plan", "--detailed-exitcode").exit_code == 0

    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    entry["Sources"].append({"Name": "legacy", "Action": "allow"})
    for key in ("CreateIndex", "ModifyIndex"):
        entry.pop(key, None)
    assert agents.consul("PUT", "/v1/config", json=entry).json() is True

    gone = mesh.run("destroy", "--auto-approve")
    assert gone.exit_code == 0, gone.both
    assert summary_counts(gone.stdout) == "Destroy complete! Resources: 3 destroyed."
    destroyed = [line for line in gone.stdout.splitlines() if "Destruction complete" in line]
    assert destroyed[0].startswith("nomad_job.web:"), gone.stdout  # reverse order
    for name in NAMES:
        assert agents.nomad("GET", f"/v1/job/{name}").status_code == 404
    left = agents.consul("GET", "/v1/config/service-intentions/db").json()
    assert [s["Name"] for s in left["Sources"]] == ["legacy"]
    assert mesh.addresses() == []


def test_no_terminal_and_no_auto_approve_refuses_and_writes_nothing(
        mesh: Mesh, agents: Agents) -> None:
    done = mesh.run("apply")
    assert done.exit_code == 1
    assert done.stdout == ""
    assert "stdin is not a terminal" in done.stderr
    assert "--auto-approve" in done.stderr
    assert agents.nomad("GET", "/v1/job/db").status_code == 404
    assert mesh.run("destroy").exit_code == 1


def test_json_events_parse_line_by_line_and_end_with_change_summary(mesh: Mesh) -> None:
    done = mesh.run("apply", "--auto-approve", "--json", "--no-wait")
    assert done.exit_code == 0, done.both
    events = [json.loads(line) for line in done.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types.count("planned_change") == 3
    assert types.count("apply_start") == 3 and types.count("apply_complete") == 3
    assert events[-1]["type"] == "change_summary"
    assert events[-1]["changes"] == {"add": 3, "change": 0, "remove": 0,
                                     "operation": "apply"}
    assert mesh.run("apply", "--json").exit_code == 1  # never asks while printing JSON


def test_apply_and_destroy_with_the_state_in_consul_under_its_session_lock(
        mesh: Mesh, agents: Agents, unique: str) -> None:
    path = f"ncplan/apply-test-{unique}"
    with (mesh.directory / "main.hcl").open("a") as main:
        main.write(f'\nbackend "consul" {{\n  path = "{path}"\n}}\n')
    try:
        done = mesh.run("apply", "--auto-approve", "--no-wait")
        assert done.exit_code == 0, done.both
        assert mesh.addresses() == ["consul_intention.web:db", "nomad_job.db",
                                    "nomad_job.web"]
        # the new state (its lineage, which the writes are marked with), then one write
        # per resource
        assert mesh.state()["serial"] == 4
        assert agents.consul("GET", f"/v1/kv/{path}/.lock").status_code == 404
        assert mesh.run("plan", "--detailed-exitcode").exit_code == 0
        gone = mesh.run("destroy", "--auto-approve")
        assert gone.exit_code == 0, gone.both
        assert mesh.addresses() == []
    finally:
        agents.consul("DELETE", f"/v1/kv/{path}", params={"recurse": "true"})
