"""A plan after apply lists each kind once and reads only what moved or changed: the
requests it sends (``NCPLAN_HTTP_STATS``) against the real agents, and the drift made
outside that it still sees."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents, SecureAgents
from identitylib import SecureScenario, make_scenario, purge
from plan_helpers import Run, agent_env, ncplan

DRIFT = "Objects have changed outside of ncplan"


def planned(directory: Path, env: dict[str, str], stats: Path) -> tuple[Run, list[str]]:
    """``ncplan plan --detailed-exitcode`` and the requests it sent (``API METHOD PATH``)."""
    stats.unlink(missing_ok=True)
    run = ncplan(directory, ["plan", "--detailed-exitcode"],
                 {**env, "NCPLAN_HTTP_STATS": str(stats)})
    lines = stats.read_text().splitlines() if stats.exists() else []
    return run, [" ".join(line.split()[:3]) for line in lines]


def test_a_no_change_plan_lists_each_kind_and_reads_no_object(
        agents: Agents, applied: Path, tmp_path: Path) -> None:
    run, sent = planned(applied, agent_env(agents), tmp_path / "stats")
    assert run.exit_code == 0, run.both
    assert "No changes." in run.stdout
    assert len(sent) <= 10, sent
    assert "Nomad GET /v1/jobs" in sent
    assert "Consul GET /v1/config/service-intentions" in sent
    assert not [line for line in sent if "/v1/job/" in line], sent  # no job read or plan


def test_a_job_edited_outside_gets_its_own_read_and_plans_and_no_other_job_does(
        agents: Agents, applied: Path, tmp_path: Path) -> None:
    job = agents.nomad("GET", "/v1/job/db").json()
    job["Meta"] = {"edited-by": "someone"}
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    run, sent = planned(applied, agent_env(agents), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout and "# nomad_job.db has changed" in run.stdout
    assert "# nomad_job.db will be updated in-place" in run.stdout
    per_job = sorted(line for line in sent if "/v1/job/" in line)
    assert per_job == ["Nomad GET /v1/job/db", "Nomad PUT /v1/job/db/plan",
                       "Nomad PUT /v1/job/db/plan"], sent  # desired and as recorded


def test_an_intention_deleted_outside_is_seen_without_reading_the_jobs(
        agents: Agents, applied: Path, tmp_path: Path) -> None:
    assert agents.consul("DELETE", "/v1/config/service-intentions/db").ok
    run, sent = planned(applied, agent_env(agents), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout
    assert "# consul_intention.web:db will be created" in run.stdout
    assert not [line for line in sent if "/v1/job/" in line], sent
    # the list showed the entry gone: it is not read on its own (a 404) as well
    assert "Consul GET /v1/config/service-intentions/db" not in sent, sent


def test_a_job_purged_outside_is_planned_from_the_list_without_reading_it(
        agents: Agents, applied: Path, tmp_path: Path) -> None:
    assert agents.nomad("DELETE", "/v1/job/db", params={"purge": "true"}).ok
    run, sent = planned(applied, agent_env(agents), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert "# nomad_job.db will be created" in run.stdout
    per_job = sorted(line for line in sent if "/v1/job/" in line)
    assert per_job == ["Nomad PUT /v1/job/db/plan"], sent  # Nomad's plan, no 404 read


def test_a_job_stopped_outside_is_seen(agents: Agents, applied: Path, tmp_path: Path) -> None:
    assert agents.nomad("DELETE", "/v1/job/web").ok  # `nomad job stop web`
    run, sent = planned(applied, agent_env(agents), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert "stopped outside ncplan" in run.stdout
    assert "# nomad_job.web will be updated in-place" in run.stdout
    assert "Nomad GET /v1/job/db" not in sent


@pytest.fixture
def identity(tmp_path: Path, secure_agents: SecureAgents,
             unique: str) -> Iterator[SecureScenario]:
    found = make_scenario(tmp_path, secure_agents, unique)
    found.write(action="allow", identity=True)
    found.plan_and_apply()
    yield found
    purge(found)


def test_sidecar_identities_unchanged_are_not_read_and_an_edited_variable_is_seen(
        identity: SecureScenario, tmp_path: Path) -> None:
    db = identity.db
    run, sent = planned(identity.directory, identity.env(), tmp_path / "stats")
    assert run.exit_code == 0, run.both
    assert not [line for line in sent if "/v1/acl/token/" in line or "/v1/var/" in line], sent

    variable = identity.agents.nomad("GET", f"/v1/var/nomad/jobs/{db}").json()
    variable["Items"] = {key: "not-the-token" for key in variable["Items"]}
    edited = identity.agents.nomad("PUT", f"/v1/var/nomad/jobs/{db}", json=variable)
    assert edited.status_code == 200, edited.text
    run, sent = planned(identity.directory, identity.env(), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert f"# nomad_variable.{db} will be updated in-place" in run.stdout
    assert f"Nomad GET /v1/var/nomad/jobs/{db}" in sent


def test_a_sidecar_token_deleted_outside_is_seen(identity: SecureScenario,
                                                 tmp_path: Path) -> None:
    from ncplan.resources.sidecar_identity import token_accessor_id

    db = identity.db
    gone = identity.agents.consul("DELETE", f"/v1/acl/token/{token_accessor_id(db)}")
    assert gone.status_code == 200, gone.text
    run, _ = planned(identity.directory, identity.env(), tmp_path / "stats")
    assert run.exit_code == 2, run.both
    assert f"# consul_acl_token.{db} will be created" in run.stdout
    assert f"# nomad_variable.{db} will be updated in-place" in run.stdout


def test_a_saved_plan_with_one_object_moved_writes_none_of_its_changes(
        agents: Agents, applied: Path) -> None:
    """``apply PLANFILE`` checks every change's index from the lists before any write:
    db, which web depends on and which did not move, is not written either."""
    main = applied / "main.hcl"
    text = main.read_text()
    for name in ("db", "web"):
        text = text.replace(f'service "{name}" {{', f'service "{name}" {{\n  count = 2\n')
    main.write_text(text)
    env = agent_env(agents)
    plan_file = applied / "counts.plan"
    assert ncplan(applied, ["plan", "--out", str(plan_file)], env).exit_code == 0
    job = agents.nomad("GET", "/v1/job/web").json()
    job["Meta"] = {"changed_by": "someone else"}
    assert agents.nomad("PUT", "/v1/jobs", json={"Job": job}).status_code == 200

    done = ncplan(applied, ["apply", "--no-wait", str(plan_file)], env)
    assert done.exit_code == 1, done.both
    assert "nomad_job.web changed since the plan" in done.stderr
    assert agents.nomad("GET", "/v1/job/db").json()["TaskGroups"][0]["Count"] == 1
