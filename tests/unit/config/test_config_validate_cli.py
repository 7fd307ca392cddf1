"""``ncplan validate``: stdout, stderr and exit code, human and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ncplan.cli import app

GOOD = ('service "db" {\n  port = "tcp"\n  task {\n    driver = "raw_exec"\n'
        '    config = { command = "/bin/db" }\n  }\n}\n'
        'intention "web" "db" {\n  action = "allow"\n}\n')
BAD = 'service "db" {\n  cuont = 1\n  task {\n  }\n  port = "tcp"\n}\n'


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(app, ["-C", str(directory), "--no-color", "validate", *args],
                           env={"NCPLAN_NO_CACHE": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_valid_configuration_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(GOOD)
    code, out, err = run(tmp_path)
    assert code == 0
    assert out == "Success! The configuration is valid.\n"
    assert 'Warning: intention source "web" is not a service in this configuration' in err
    assert "  on main.hcl:8:1:" in err


def test_invalid_configuration_lists_every_error_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(BAD)
    code, out, err = run(tmp_path)
    assert code == 1
    assert out == ""
    assert 'Error: unknown attribute "cuont" in service "db"' in err
    assert "  on main.hcl:2:3:" in err
    assert "     2 |   cuont = 1" in err
    assert 'Error: missing required attribute "driver" in task' in err
    assert "  on main.hcl:3:3:" in err
    assert err.rstrip().endswith("Error: the configuration has 2 errors")


def test_json_output_when_invalid(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(BAD)
    code, out, err = run(tmp_path, "--json")
    assert code == 1
    assert err == ""
    report = json.loads(out)
    assert (report["valid"], report["error_count"], report["warning_count"]) == (False, 2, 0)
    first = report["diagnostics"][0]
    assert first["severity"] == "error"
    assert first["summary"] == 'unknown attribute "cuont" in service "db"'
    assert first["range"]["filename"] == "main.hcl"
    assert first["range"]["start"] == {"line": 2, "column": 3}
    assert first["snippet"] == "  cuont = 1"


def test_json_output_when_valid(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(GOOD)
    code, out, _ = run(tmp_path, "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["valid"], report["error_count"], report["warning_count"]) == (True, 0, 1)


def test_var_flags_reach_the_loader(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text('variable "n" {\n  type = number\n}\n'
                                       + GOOD.replace('port = "tcp"',
                                                      'port = "tcp"\n  count = var.n'))
    code, _, err = run(tmp_path)
    assert code == 1
    assert 'Error: variable "n" has no value' in err
    code, out, _ = run(tmp_path, "--var", "n=2")
    assert code == 0
    assert out.startswith("Success!")
