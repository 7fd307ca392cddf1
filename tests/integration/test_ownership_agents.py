"""Ownership on the real agents: every object ncplan writes carries its state's lineage;
a second directory with its own state never adopts or writes them; an object made by hand
is adopted only as a visible import; objects already gone leave the state on destroy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentlib import Agents
from plan_helpers import Run, agent_env, copy_example, ncplan

JOB_MARK = "ncplan_lineage"


def _run(directory: Path, agents: Agents, *args: str) -> Run:
    return ncplan(directory, list(args), agent_env(agents))


def _state(directory: Path, agents: Agents) -> dict[str, Any]:
    done = _run(directory, agents, "state", "pull")
    assert done.exit_code == 0, done.both
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def _addresses(directory: Path, agents: Agents) -> list[str]:
    return sorted(r["address"] for r in _state(directory, agents)["resources"])


def _job(agents: Agents, name: str) -> dict[str, Any]:
    answer = agents.nomad("GET", f"/v1/job/{name}")
    assert answer.status_code == 200, answer.text
    job: dict[str, Any] = answer.json()
    return job


def _intentions(agents: Agents, destination: str) -> dict[str, Any]:
    answer = agents.consul("GET", f"/v1/config/service-intentions/{destination}")
    assert answer.status_code == 200, answer.text
    entry: dict[str, Any] = answer.json()
    return entry


def _applied(tmp_path: Path, agents: Agents, name: str = "a") -> Path:
    directory = copy_example("connect-on-nomad", tmp_path / name)
    done = _run(directory, agents, "apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both
    return directory


def _unmark_job(agents: Agents, name: str) -> None:
    """Register the job again without the ownership mark (as if made by hand)."""
    job = _job(agents, name)
    meta = {k: v for k, v in (job.get("Meta") or {}).items() if k != JOB_MARK}
    job["Meta"] = meta or None
    answer = agents.nomad("PUT", "/v1/jobs", json={"Job": job})
    assert answer.status_code == 200, answer.text


def _unmark_intentions(agents: Agents, destination: str) -> None:
    entry = _intentions(agents, destination)
    body = {k: v for k, v in entry.items() if k not in ("Meta", "CreateIndex", "ModifyIndex")}
    answer = agents.consul("PUT", "/v1/config", json=body)
    assert answer.status_code == 200 and answer.json() is True, answer.text


def test_apply_marks_every_object_with_the_state_lineage(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    lineage = _state(first, agents)["lineage"]
    assert _job(agents, "db")["Meta"][JOB_MARK] == lineage
    assert _job(agents, "web")["Meta"][JOB_MARK] == lineage
    assert _intentions(agents, "db")["Meta"] == {f"ncplan-lineage-{lineage}": "web"}
    again = _run(first, agents, "plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "No changes." in again.stdout
    assert JOB_MARK not in again.stdout  # the mark is never shown as a change


def test_second_directory_never_adopts_or_writes_another_states_objects(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    lineage = _state(first, agents)["lineage"]
    before = _job(agents, "db")["JobModifyIndex"]
    second = copy_example("connect-on-nomad", tmp_path / "b")

    plan = _run(second, agents, "plan")
    assert plan.exit_code == 1, plan.both
    assert f"nomad_job.db belongs to another ncplan state (lineage {lineage})" in plan.stderr
    assert "main.hcl:" in plan.stderr  # located at the block
    assert f"consul_intention.web:db belongs to another ncplan state (lineage {lineage})" \
        in plan.stderr
    assert "will adopt" not in plan.both

    apply = _run(second, agents, "apply", "--auto-approve", "--no-wait")
    assert apply.exit_code == 1, apply.both
    assert _job(agents, "db")["JobModifyIndex"] == before
    assert not (second / "ncplan.state.json").exists()

    destroy = _run(second, agents, "destroy", "--auto-approve")
    assert destroy.exit_code == 0, destroy.both
    assert "No objects need to be destroyed" in destroy.stdout
    assert _job(agents, "db")["JobModifyIndex"] == before
    assert _intentions(agents, "db")["Sources"][0]["Name"] == "web"
    assert _addresses(first, agents) == ["consul_intention.web:db", "nomad_job.db",
                                         "nomad_job.web"]


def test_an_object_made_by_hand_is_adopted_only_as_a_visible_import(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    lineage = _state(first, agents)["lineage"]
    forget = _run(first, agents, "state", "rm", "nomad_job.db", "consul_intention.web:db")
    assert forget.exit_code == 0, forget.both
    _unmark_job(agents, "db")
    _unmark_intentions(agents, "db")

    plan = _run(first, agents, "plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.both
    assert "# nomad_job.db will be imported" in plan.stdout
    assert "# consul_intention.web:db will be imported" in plan.stdout
    assert "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout
    as_json = json.loads(_run(first, agents, "plan", "--json").stdout)
    importing = {c["address"]: c["change"].get("importing")
                 for c in as_json["resource_changes"]}
    assert importing["nomad_job.db"] == {"id": "db"}
    assert importing["consul_intention.web:db"] == {"id": "web:db"}
    assert importing["nomad_job.web"] is None
    markdown = _run(first, agents, "plan", "--markdown").stdout
    assert "nomad_job.db will be imported" in markdown and "2 to import" in markdown

    apply = _run(first, agents, "apply", "--auto-approve", "--no-wait")
    assert apply.exit_code == 0, apply.both
    assert "nomad_job.db: Import complete after" in apply.stdout
    assert "Apply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed." \
        in apply.stdout
    assert _job(agents, "db")["Meta"][JOB_MARK] == lineage
    assert _intentions(agents, "db")["Meta"] == {f"ncplan-lineage-{lineage}": "web"}
    assert "nomad_job.db" in _addresses(first, agents)
    again = _run(first, agents, "plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both


def test_objects_recorded_before_marks_existed_plan_no_changes(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    _unmark_job(agents, "db")
    _unmark_intentions(agents, "db")
    plan = _run(first, agents, "plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.both
    assert "No changes." in plan.stdout
    offline = _run(first, agents, "plan", "--no-refresh", "--detailed-exitcode")
    assert offline.exit_code == 0, offline.both


def test_destroy_drops_objects_already_gone_and_says_so(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    for name in ("db", "web"):
        agents.nomad("DELETE", f"/v1/job/{name}", params={"purge": "true"})
    agents.consul("DELETE", "/v1/config/service-intentions/db")

    destroy = _run(first, agents, "destroy", "--auto-approve")
    assert destroy.exit_code == 0, destroy.both
    for address in ("nomad_job.db", "nomad_job.web", "consul_intention.web:db"):
        assert f"{address}: already gone, removed from the state" in destroy.stdout
    assert _addresses(first, agents) == []
    again = _run(first, agents, "plan", "--destroy")
    assert again.exit_code == 0, again.both
    assert "Objects have changed outside" not in again.stdout  # no drift note left


def test_apply_drops_objects_gone_and_no_longer_configured(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    agents.consul("DELETE", "/v1/config/service-intentions/db")
    main = first / "main.hcl"
    text = main.read_text()
    start = text.index('intention "web" "db"')
    end = text.index("\n}\n", start) + 3
    main.write_text(text[:start] + text[end:])
    apply = _run(first, agents, "apply", "--auto-approve", "--no-wait")
    assert apply.exit_code == 0, apply.both
    assert "consul_intention.web:db: already gone, removed from the state" in apply.stdout
    assert "consul_intention.web:db" not in _addresses(first, agents)


def test_import_writes_the_mark_and_records_the_index_it_left(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    lineage = _state(first, agents)["lineage"]
    forget = _run(first, agents, "state", "rm", "nomad_job.db", "consul_intention.web:db")
    assert forget.exit_code == 0, forget.both
    _unmark_job(agents, "db")
    _unmark_intentions(agents, "db")
    for address, ident in (("nomad_job.db", "db"), ("consul_intention.web:db", "web:db")):
        done = _run(first, agents, "import", address, ident)
        assert done.exit_code == 0, done.both
    job = _job(agents, "db")
    assert job["Meta"][JOB_MARK] == lineage
    assert _intentions(agents, "db")["Meta"] == {f"ncplan-lineage-{lineage}": "web"}
    indexes = {r["address"]: r["observed_index"] for r in _state(first, agents)["resources"]}
    assert indexes["nomad_job.db"] == job["JobModifyIndex"]
    assert indexes["consul_intention.web:db"] == _intentions(agents, "db")["ModifyIndex"]
    again = _run(first, agents, "plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "Objects have changed outside" not in again.stdout


def test_import_refuses_another_states_object(
        tmp_path: Path, agents: Agents, wiped: None) -> None:
    first = _applied(tmp_path, agents)
    lineage = _state(first, agents)["lineage"]
    second = copy_example("connect-on-nomad", tmp_path / "b")
    done = _run(second, agents, "import", "nomad_job.db", "db")
    assert done.exit_code == 1, done.both
    assert f"belongs to another ncplan state (lineage {lineage})" in done.stderr
    assert _job(agents, "db")["Meta"][JOB_MARK] == lineage
