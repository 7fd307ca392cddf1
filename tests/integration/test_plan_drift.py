"""Drift made through the Nomad and Consul APIs, foreign intention sources, and the
coverage warning of a default-deny mesh: ``ncplan plan`` against the real agents."""

from __future__ import annotations

from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, apply_all, copy_example, ncplan

DRIFT = "Objects have changed outside of ncplan"


pytestmark = pytest.mark.usefixtures("wiped")


def test_a_job_edited_through_the_nomad_api_is_drift_and_an_update(
        agents: Agents, applied: Path) -> None:
    job = agents.nomad("GET", "/v1/job/db").json()
    job["TaskGroups"][0]["Count"] = 2
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert run.stdout.index(DRIFT) < run.stdout.index("# nomad_job.db will be updated in-place")
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in run.stdout


def test_a_field_ncplan_does_not_set_added_outside_is_drift_from_nomads_own_diff(
        agents: Agents, applied: Path) -> None:
    job = agents.nomad("GET", "/v1/job/db").json()
    # Not in the recorded job, so only Nomad's plan of the recorded job (drift_plans) sees it.
    job["Meta"] = {"edited-by": "someone"}
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    drift, _, plan = run.stdout.partition("ncplan will perform the following actions")
    assert DRIFT in drift and "# nomad_job.db has changed" in drift
    assert "# nomad_job.db will be updated in-place" in plan
    assert "edited-by" in plan  # Nomad's diff of the desired job: the Meta goes


def test_a_job_stopped_outside_plans_as_an_update(agents: Agents, applied: Path) -> None:
    assert agents.nomad("DELETE", "/v1/job/db").ok  # `nomad job stop db`
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout
    assert "# nomad_job.db will be updated in-place" in run.stdout
    assert "stopped outside ncplan" in run.stdout


def test_a_job_purged_outside_plans_as_a_create(agents: Agents, applied: Path) -> None:
    assert agents.nomad("DELETE", "/v1/job/db", params={"purge": "true"}).ok
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout
    assert "# nomad_job.db will be created" in run.stdout
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in run.stdout


def test_an_intention_edited_in_consul_is_drift_and_an_update(
        agents: Agents, applied: Path) -> None:
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    entry["Sources"][0]["Action"] = "deny"
    assert agents.consul("PUT", "/v1/config", json=entry).json() is True
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout
    assert "# consul_intention.web:db will be updated in-place" in run.stdout
    assert '"deny"' in run.stdout and '"allow"' in run.stdout


def test_an_intention_deleted_in_consul_plans_as_a_create(
        agents: Agents, applied: Path) -> None:
    assert agents.consul("DELETE", "/v1/config/service-intentions/db").ok
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert DRIFT in run.stdout
    assert "# consul_intention.web:db will be created" in run.stdout


def test_a_source_added_outside_ncplan_is_kept_and_not_a_change(
        agents: Agents, applied: Path) -> None:
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    entry["Sources"].append({"Name": "api", "Action": "allow"})
    assert agents.consul("PUT", "/v1/config", json=entry).json() is True
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert "No changes. Your infrastructure matches the configuration." in run.stdout
    assert "api" not in run.stdout


def test_a_default_deny_mesh_warns_about_an_upstream_no_intention_allows(
        agents: Agents, tmp_path: Path) -> None:
    deny_all = {"Kind": "service-intentions", "Name": "*",
                "Sources": [{"Name": "*", "Action": "deny"}]}
    assert agents.consul("PUT", "/v1/config", json=deny_all).json() is True
    directory = copy_example("connect-on-nomad", tmp_path)
    main = directory / "main.hcl"
    text = main.read_text()
    main.write_text(text[:text.index('intention "web" "db"')])
    run = ncplan(directory, ["plan"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert ("web -> db: upstream declared but no intention allows it; connections will "
            "be refused") in run.both

    main.write_text(text)  # the declared allow covers it
    covered = ncplan(directory, ["plan"], agent_env(agents))
    assert "upstream declared but no intention allows it" not in covered.both


def test_a_redacted_sensitive_value_is_no_drift_in_nomads_plan_of_the_recorded_job(
        agents: Agents, tmp_path: Path) -> None:
    """The state holds the sensitive env value redacted; Nomad's plan of the recorded job
    (made when the job moved) gets the real value back, so only the real edit shows."""
    directory = copy_example("connect-on-nomad", tmp_path)
    main = directory / "main.hcl"
    main.write_text(main.read_text().replace(
        '    driver = "raw_exec"\n',
        '    driver = "raw_exec"\n    env = { DB_PASSWORD = var.db_password }\n', 1)
        + 'variable "db_password" {\n  sensitive = true\n}\n')
    env = {**agent_env(agents), "NCPLAN_VAR_db_password": "drift-s3cret-value"}
    apply_all(directory, env)
    assert b"drift-s3cret-value" not in (directory / "ncplan.state.json").read_bytes()
    job = agents.nomad("GET", "/v1/job/db").json()
    assert job["TaskGroups"][0]["Tasks"][0]["Env"] == {"DB_PASSWORD": "drift-s3cret-value"}
    job["Meta"] = {"edited-by": "someone"}
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    run = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert run.exit_code == 2, run.both
    drift, _, _ = run.stdout.partition("ncplan will perform the following actions")
    assert "# nomad_job.db has changed" in drift and "edited-by" in drift
    assert "DB_PASSWORD" not in drift and "drift-s3cret-value" not in run.both
