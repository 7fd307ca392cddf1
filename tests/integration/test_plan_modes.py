"""``plan --destroy``, ``--refresh-only``, ``--target`` and ``--markdown`` through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import JQ_NO_DELETE, agent_env, copy_example, ncplan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "views"))

import terraform_policy  # a policy written for Terraform plans

pytestmark = pytest.mark.usefixtures("wiped")


def test_destroy_plans_every_recorded_resource_in_reverse_order(
        agents: Agents, applied: Path) -> None:
    run = ncplan(applied, ["plan", "--destroy", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert "Plan: 0 to add, 0 to change, 3 to destroy." in run.stdout
    assert "# nomad_job.db will be destroyed" in run.stdout
    order = run.stdout[run.stdout.index("Apply order:"):]
    assert order.index("nomad_job.web") < order.index("consul_intention.web:db") \
        < order.index("nomad_job.db")

    as_json = ncplan(applied, ["plan", "--destroy", "--json"], agent_env(agents))
    assert terraform_policy.deny(json.loads(as_json.stdout)) == [
        "consul_intention.web:db: deleting a consul_intention is not allowed",
        "nomad_job.db: deleting a nomad_job is not allowed",
        "nomad_job.web: deleting a nomad_job is not allowed"]
    gate = subprocess.run(["jq", "-e", JQ_NO_DELETE], input=as_json.stdout, text=True,
                          capture_output=True, check=False)
    assert gate.returncode == 1  # the documented pipeline gate fails it


def test_refresh_only_shows_the_drift_and_plans_no_action(
        agents: Agents, applied: Path) -> None:
    job = agents.nomad("GET", "/v1/job/db").json()
    job["TaskGroups"][0]["Count"] = 2
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    run = ncplan(applied, ["plan", "--refresh-only", "--detailed-exitcode"],
                 agent_env(agents))
    assert run.exit_code == 2, run.both
    assert "# nomad_job.db has changed" in run.stdout
    assert "refresh-only plan" in run.stdout
    assert "will be updated in-place" not in run.stdout


def test_target_limits_the_plan_to_what_the_address_needs(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    run = ncplan(directory, ["plan", "--target", "nomad_job.db"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in run.stdout
    assert "Resource targeting is in effect" in run.both
    assert "nomad_job.web" not in run.stdout

    unknown = ncplan(directory, ["plan", "--target", "nomad_job.nope"], agent_env(agents))
    assert unknown.exit_code == 1
    assert "--target nomad_job.nope: no such resource" in unknown.stderr


def test_markdown_is_a_pull_request_comment(agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    run = ncplan(directory, ["plan", "--markdown"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert run.stdout.startswith("## ncplan plan: Plan: 3 to add, 0 to change, 0 to destroy.")
    assert "| `nomad_job` | 2 | 0 | 0 |" in run.stdout
    assert "<details><summary>nomad_job.db will be created</summary>" in run.stdout


@pytest.mark.parametrize("flags, message", [
    (["--destroy", "--refresh-only"], "--destroy and --refresh-only cannot be combined"),
    (["--json", "--markdown"], "--json and --markdown cannot be combined"),
    (["--no-refresh", "--refresh-only"], "--refresh-only needs a refresh"),
])
def test_flags_that_contradict_each_other_are_an_error(
        agents: Agents, tmp_path: Path, flags: list[str], message: str) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    run = ncplan(directory, ["plan", *flags], agent_env(agents))
    assert (run.exit_code, run.stdout) == (1, "")
    assert message in run.stderr


def test_a_resource_removed_from_the_configuration_is_destroyed(
        agents: Agents, applied: Path) -> None:
    main = applied / "main.hcl"
    text = main.read_text()
    main.write_text(text[:text.index('intention "web" "db"')])
    run = ncplan(applied, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert "# consul_intention.web:db will be destroyed" in run.stdout
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in run.stdout
