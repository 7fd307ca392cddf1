"""``ncplan plan`` on the three examples against the real agents, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import JQ_NO_DELETE, agent_env, apply_all, copy_example, ncplan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "views"))

import terraform_policy  # a policy written for Terraform plans

from ncplan.config import load_config
from ncplan.resources.desired import lower_config

EXAMPLES = ("connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh")


pytestmark = pytest.mark.usefixtures("wiped")


def example(name: str, tmp_path: Path) -> Path:
    return copy_example(name, tmp_path)


def resource_count(directory: Path) -> int:
    return len(lower_config(load_config(directory, use_cache=False).config))


@pytest.mark.parametrize("name", EXAMPLES)
def test_first_plan_creates_everything_then_a_plan_after_writing_has_no_changes(
        agents: Agents, tmp_path: Path, name: str) -> None:
    directory = example(name, tmp_path)
    env = agent_env(agents)
    first = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert first.exit_code == 2, first.both
    assert f"Plan: {resource_count(directory)} to add, 0 to change, 0 to destroy." \
        in first.stdout
    assert "# nomad_job.db will be created" in first.stdout
    assert first.stderr == ""

    apply_all(directory, env)
    second = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert second.exit_code == 0, second.both
    assert "No changes. Your infrastructure matches the configuration." in second.stdout
    assert "will be" not in second.stdout
    assert "Objects have changed outside of ncplan" not in second.stdout


def test_a_count_and_env_change_is_an_update_with_nomads_field_diff(
        agents: Agents, tmp_path: Path) -> None:
    directory = example("connect-on-nomad", tmp_path)
    env = agent_env(agents)
    apply_all(directory, env)
    main = directory / "main.hcl"
    text = main.read_text().replace('service "web" {', 'service "web" {\n  count = 3', 1)
    main.write_text(text.replace("postgresql://", "postgres://"))
    run = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert run.exit_code == 2, run.both
    assert "# nomad_job.web will be updated in-place" in run.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in run.stdout
    assert "Count" in run.stdout and "3" in run.stdout  # Nomad's own field diff
    assert "DATABASE_URL" in run.stdout and "postgres://" in run.stdout
    assert "nomad_job.db" not in run.stdout


def test_a_constraint_no_node_meets_is_a_placement_failure_with_its_reason(
        agents: Agents, tmp_path: Path) -> None:
    directory = tmp_path / "placed"
    directory.mkdir()
    (directory / "main.hcl").write_text('''
job "placed" {
  datacenters = ["dc1"]
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "plan9"
  }
  group "placed" {
    task "placed" {
      driver = "raw_exec"
      config { command = "/bin/sleep" }
    }
  }
}
''')
    run = ncplan(directory, ["plan"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert 'Placement failure: group "placed" cannot be placed' in run.stdout
    assert 'constraint "${attr.kernel.name} = plan9" filtered 1 node' in run.stdout

    env = {**agent_env(agents), "NO_COLOR": None, "FORCE_COLOR": "1"}
    coloured = ncplan(directory, ["plan"], env)
    red = "\x1b[31m"
    reason = coloured.stdout.index('constraint "${attr.kernel.name} = plan9"')
    assert coloured.stdout.rfind(red, 0, reason) > coloured.stdout.rfind("\x1b[0m", 0, reason)


def test_no_refresh_plans_against_the_state_with_no_agent_reachable(tmp_path: Path) -> None:
    directory = example("connect-on-nomad-raw", tmp_path)
    env = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
           "NO_COLOR": "1"}
    run = ncplan(directory, ["plan", "--no-refresh", "--detailed-exitcode"], env)
    assert run.exit_code == 2, run.both
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in run.stdout
    assert run.stderr == ""


def test_json_passes_a_terraform_plan_policy_and_out_then_show_prints_it(
        agents: Agents, tmp_path: Path) -> None:
    directory = example("connect-on-nomad", tmp_path)
    env = agent_env(agents)
    planfile = tmp_path / "saved.plan"
    run = ncplan(directory, ["plan", "--json", "--out", str(planfile)], env)
    assert run.exit_code == 0, run.both
    document = json.loads(run.stdout)
    assert terraform_policy.count_by_type(document) == {
        "nomad_job": {"create": 2}, "consul_intention": {"create": 1}}
    assert terraform_policy.deny(document) == []
    gate = subprocess.run(["jq", "-e", JQ_NO_DELETE], input=run.stdout, text=True,
                          capture_output=True, check=False)
    assert gate.returncode == 0, gate.stderr
    assert {c["address"] for c in document["resource_changes"]} == {
        "nomad_job.db", "nomad_job.web", "consul_intention.web:db"}
    assert document["format_version"] and "errored" in document

    shown = ncplan(directory, ["show", str(planfile), "--json"], env)
    assert shown.exit_code == 0, shown.both
    assert json.loads(shown.stdout)["resource_changes"] == document["resource_changes"]
    human = ncplan(directory, ["show", str(planfile)], env)
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in human.stdout


def test_show_prints_the_state_and_its_json_in_terraforms_state_shape(
        agents: Agents, tmp_path: Path) -> None:
    directory = example("connect-on-nomad", tmp_path)
    env = agent_env(agents)
    empty = ncplan(directory, ["show"], env)
    assert (empty.exit_code, empty.stdout, empty.stderr.strip()) == (0, "", "No state.")
    apply_all(directory, env)
    shown = ncplan(directory, ["show", "--json"], env)
    assert shown.exit_code == 0, shown.both
    resources = json.loads(shown.stdout)["values"]["root_module"]["resources"]
    assert [(r["address"], r["type"], r["name"]) for r in resources] == [
        ("consul_intention.web:db", "consul_intention", "web:db"),
        ("nomad_job.db", "nomad_job", "db"), ("nomad_job.web", "nomad_job", "web")]
    human = ncplan(directory, ["show"], env)
    assert "nomad_job.web" in human.stdout and "consul_intention.web:db" in human.stdout


def test_sensitive_values_are_masked_in_plan_and_show(agents: Agents, tmp_path: Path) -> None:
    directory = example("connect-on-nomad", tmp_path)
    main = directory / "main.hcl"
    text = main.read_text().replace(
        'DATABASE_URL = "postgresql://${upstream.db}/db"',
        'DATABASE_URL = "postgresql://${upstream.db}/db"\n      DB_PASSWORD  = var.db_password')
    main.write_text('variable "db_password" {\n  default   = "hunter2-secret"\n'
                    '  sensitive = true\n}\n\n' + text)
    env = agent_env(agents)
    planned = ncplan(directory, ["plan"], env)
    assert planned.exit_code == 0, planned.both
    assert "hunter2-secret" not in planned.both
    assert "(sensitive value)" in planned.stdout

    apply_all(directory, env)
    shown = ncplan(directory, ["show"], env)
    assert "hunter2-secret" not in shown.both
    assert '"DB_PASSWORD": "(sensitive value)"' in shown.stdout  # the state holds it redacted
    as_json = json.loads(ncplan(directory, ["show", "--json"], env).stdout)
    web = next(r for r in as_json["values"]["root_module"]["resources"]
               if r["address"] == "nomad_job.web")
    assert web["sensitive_values"]["TaskGroups"][0]["Tasks"][0]["Env"]["DB_PASSWORD"] is True
    assert web["values"]["TaskGroups"][0]["Tasks"][0]["Env"]["DB_PASSWORD"] == "(sensitive value)"
