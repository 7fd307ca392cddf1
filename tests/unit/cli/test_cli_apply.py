"""apply and destroy refuse to go on unasked, before reading anything."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ncplan.cli import app


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-C", str(tmp_path), *args], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_no_terminal_and_no_auto_approve_refuses(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "apply")
    assert (code, out) == (1, "")
    assert "Error: apply needs approval, and stdin is not a terminal to ask on" in err
    assert "--auto-approve" in err
    code, out, err = _run(tmp_path, "destroy")
    assert (code, out) == (1, "")
    assert "destroy needs approval" in err


def test_json_needs_auto_approve_or_a_plan_file(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "apply", "--json")
    assert (code, out) == (1, "")
    assert "apply --json needs --auto-approve or a plan file" in err


def test_a_plan_file_takes_no_planning_flags(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "apply", "x.plan", "--target", "nomad_job.db")
    assert code == 1
    assert "a plan file is applied as it was saved" in err


def test_a_missing_plan_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text('service "db" {\n  task {\n    driver = "raw_exec"\n'
                                       '    config = { command = "/bin/true" }\n  }\n}\n')
    code, _, err = _run(tmp_path, "apply", str(tmp_path / "none.plan"))
    assert code == 1
    assert "none.plan: cannot read the plan file" in err


PROTECTED = '''service "db" {
  port = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/bin/sleep" }
  }
  lifecycle {
    prevent_destroy = true
  }
}
'''


def test_a_plan_that_would_destroy_a_protected_resource_is_an_error(tmp_path: Path) -> None:
    from ncplan.config.loader import load_config
    from ncplan.resources.desired import lower_config
    from ncplan.state.codec import encode
    from ncplan.state.model import ResourceState, State

    (tmp_path / "main.hcl").write_text(PROTECTED)
    (db,) = [r for r in lower_config(load_config(tmp_path).config) if r.kind == "nomad_job"]
    state = State.new([ResourceState(db.address, db.kind, db.name, dict(db.body), 7)])
    (tmp_path / "ncplan.state.json").write_bytes(encode(state))
    code, out, err = _run(tmp_path, "plan", "--destroy", "--no-refresh")
    assert (code, out) == (1, "")
    assert "nomad_job.db cannot be destroyed: lifecycle.prevent_destroy is set" in err
    assert "main.hcl:7:3" in err
    code, out, _ = _run(tmp_path, "plan", "--no-refresh", "--detailed-exitcode")
    assert code == 0, out  # planning without destroying it is fine
