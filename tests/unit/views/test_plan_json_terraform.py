"""The plan JSON has Terraform's whole ``show -json`` shape: ``planned_values``,
``configuration`` and ``variables`` besides ``resource_changes``, sensitive variables
redacted; a saved plan shows the same. Built by the CLI from a real configuration
(``--no-refresh``: no server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ncplan.cli import run

SECRET = "hunter2-db-password"
CONFIG = """
variable "db_password" {
  type      = string
  sensitive = true
}

variable "replicas" {
  type    = number
  default = 2
}

service "db" {
  port  = "tcp"
  count = var.replicas
  task {
    driver = "raw_exec"
    config = { command = "/bin/db" }
    env    = { PASSWORD = var.db_password }
  }
}

service "web" {
  task {
    driver = "raw_exec"
    config = { command = "/bin/web" }
  }
  upstream "db" {}
}

intention "web" "db" {
  action = "allow"
}
"""


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("NOMAD_ADDR", "CONSUL_HTTP_ADDR", "NCPLAN_VAR_db_password"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "main.hcl").write_text(CONFIG)
    (tmp_path / "secret.ncvars.hcl").write_text(f'db_password = "{SECRET}"\n')
    return tmp_path


def plan_json(directory: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = run(["-C", str(directory), *args])
    out = capsys.readouterr().out
    assert code == 0
    assert SECRET not in out
    return json.loads(out)


def test_planned_values_configuration_and_variables_in_terraforms_shape(
        config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(config_dir, capsys, "plan", "--no-refresh", "--json")
    addresses = sorted(c["address"] for c in plan["resource_changes"])

    planned = plan["planned_values"]["root_module"]["resources"]
    assert sorted(r["address"] for r in planned) == addresses
    for resource in planned:
        assert {"address", "mode", "type", "name", "values", "sensitive_values"} <= set(
            resource)
    db = next(r for r in planned if r["address"] == "nomad_job.db")
    task = db["values"]["TaskGroups"][0]["Tasks"][0]
    assert task["Env"]["PASSWORD"] == "(sensitive value)"
    assert db["sensitive_values"]["TaskGroups"][0]["Tasks"][0]["Env"]["PASSWORD"] is True
    assert db["values"]["TaskGroups"][0]["Count"] == 2

    configuration = plan["configuration"]
    assert set(configuration["provider_config"]) == {"nomad", "consul"}
    declared = configuration["root_module"]["resources"]
    assert sorted(r["address"] for r in declared) == addresses
    for resource in declared:
        assert {"address", "type", "name", "expressions"} <= set(resource)
        assert all(set(e) == {"constant_value"} for e in resource["expressions"].values())
        assert resource["provider_config_key"] in configuration["provider_config"]
    web = next(r for r in declared if r["address"] == "nomad_job.web")
    assert "nomad_job.db" in web["depends_on"]

    assert plan["variables"] == {"db_password": {"value": "(sensitive value)"},
                                 "replicas": {"value": 2}}


def test_a_saved_plan_shows_the_same_document(
        config_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "plan.bin"
    direct = plan_json(config_dir, capsys, "plan", "--no-refresh", "--json",
                       "--out", str(saved))
    assert SECRET not in saved.read_text()
    shown = plan_json(config_dir, capsys, "show", str(saved), "--json")
    for key in ("planned_values", "configuration", "variables", "resource_changes"):
        assert shown[key] == direct[key], key


def test_a_destroy_plan_plans_no_values_and_keeps_the_configuration(
        config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(config_dir, capsys, "plan", "--no-refresh", "--json", "--destroy")
    assert plan["planned_values"] == {"root_module": {"resources": []}}
    assert len(plan["configuration"]["root_module"]["resources"]) == 3
