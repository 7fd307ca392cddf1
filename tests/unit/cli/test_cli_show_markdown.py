"""``ncplan show PLANFILE --markdown``: the saved plan as the same pull-request comment
``plan --markdown`` printed, so a pipeline comments the plan it will apply."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from ncplan.cli import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "connect-on-nomad"
# --no-refresh plans against the state alone: no agent is reached.
UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1"}


def _saved_plan(tmp_path: Path) -> tuple[Path, Path, str]:
    directory = tmp_path / "config"
    shutil.copytree(EXAMPLE, directory)
    saved = tmp_path / "ncplan.plan"
    planned = CliRunner().invoke(app, ["-C", str(directory), "plan", "--no-refresh",
                                       "--markdown", "--out", str(saved)], env=UNREACHABLE)
    assert planned.exit_code == 0, planned.stderr
    return directory, saved, planned.stdout


def test_show_markdown_prints_the_saved_plan_as_plan_markdown_did(tmp_path: Path) -> None:
    directory, saved, printed = _saved_plan(tmp_path)
    shown = CliRunner().invoke(app, ["-C", str(directory), "show", str(saved), "--markdown"],
                               env=UNREACHABLE)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == printed
    assert "nomad_job.db will be created" in shown.stdout
    assert "consul_intention.web:db will be created" in shown.stdout
    assert shown.stderr == ""


def test_show_markdown_without_a_plan_file_and_with_json_are_errors(tmp_path: Path) -> None:
    directory, saved, _ = _saved_plan(tmp_path)
    bare = CliRunner().invoke(app, ["-C", str(directory), "show", "--markdown"],
                              env=UNREACHABLE)
    assert bare.exit_code == 1
    assert "--markdown needs a plan file" in bare.stderr
    both = CliRunner().invoke(app, ["-C", str(directory), "show", str(saved), "--markdown",
                                    "--json"], env=UNREACHABLE)
    assert both.exit_code == 1
    assert "--json and --markdown cannot be combined" in both.stderr
    assert both.stdout == ""
