"""Sensitive variables are masked as (sensitive value) in render output unless asked
otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.planner.redaction import MARKER as SENSITIVE
from ncplan.planner.redaction import redact

CONFIG = '''
variable "db_password" {
  type      = string
  default   = "hunter2"
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
    config = { command = "/bin/db", args = ["-password", "${var.db_password}"] }
    env    = { URL = "pg://u:${var.db_password}@x", MODE = "plain" }
  }
}
'''


def render(tmp_path: Path, *args: str) -> str:
    (tmp_path / "main.hcl").write_text(CONFIG)
    result = CliRunner().invoke(app, ["-C", str(tmp_path), "render", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_json_masks_every_string_holding_a_sensitive_value(tmp_path: Path) -> None:
    out = render(tmp_path)
    assert "hunter2" not in out
    task = json.loads(out)["nomad_jobs"]["db"]["Job"]["TaskGroups"][0]["Tasks"][0]
    assert task["Env"] == {"URL": SENSITIVE, "MODE": "plain"}
    assert task["Config"]["args"] == ["-password", SENSITIVE]
    assert json.loads(out)["nomad_jobs"]["db"]["Job"]["TaskGroups"][0]["Count"] == 2


def test_hcl_masks_too(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "hcl")
    assert "hunter2" not in out
    assert f'URL  = "{SENSITIVE}"' in out


def test_show_sensitive_prints_the_values(tmp_path: Path) -> None:
    out = render(tmp_path, "--show-sensitive")
    assert '"URL": "pg://u:hunter2@x"' in out


def test_redact_walks_nested_data_and_leaves_other_values() -> None:
    data = {"a": ["x-s3cret-y", 1, True, None], "b": {"c": 42, "d": "fine"}}
    assert redact(data, frozenset({"s3cret", "42"})) == {
        "a": [SENSITIVE, 1, True, None], "b": {"c": SENSITIVE, "d": "fine"}}
    assert redact(data, frozenset()) is data
