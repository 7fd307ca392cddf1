"""Messages that name the real cause, in HCL's words: a bad ``--var`` is a flag error; a
file that ends inside a block points at the block's opening brace; a raw job's null or a
hex literal reads as HCL, not as Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncplan.cli import run

SERVICE = 'service "db" {\n  port = "tcp"\n  task {\n    driver = "raw_exec"\n  }\n}\n'


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")


def ncplan(directory: Path, args: list[str],
           capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(["-C", str(directory), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["validate"], ["plan", "--no-refresh"], ["render"]])
@pytest.mark.parametrize("value", ["noequals", "=x", " =x"])
def test_a_var_without_name_equals_value_is_a_flag_error(
        command: list[str], value: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.hcl").write_text(SERVICE)
    code, out, err = ncplan(tmp_path, [*command, "--var", value], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"Usage: ncplan {command[0]} [OPTIONS]")
    assert err.endswith(f"Error: Invalid value for '--var': {value!r} is not NAME=VALUE\n")
    assert "configuration has" not in err


def test_a_file_ending_inside_a_block_points_at_its_opening_brace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'service "db" {\n  port = "tcp"\n  task {\n    driver = "raw_exec"\n  }\n\n'
    (tmp_path / "main.hcl").write_text(text)
    assert len(text.splitlines()) == 6
    code, _, err = ncplan(tmp_path, ["validate"], capsys)
    assert code == 1
    assert err.startswith(
        "Error: syntax error: unclosed block service \"db\": the file ends before its '}'\n"
        "  on main.hcl:1:14:\n"
        '     1 | service "db" {\n'
        "       |              ^\n")


def test_a_raw_jobs_null_depends_on_is_empty_not_none(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.hcl").write_text(
        'job "x" {\n  meta = {\n    ncplan_depends_on = null\n  }\n  group "g" {\n'
        '    task "t" {\n      driver = "raw_exec"\n    }\n  }\n}\n')
    code, out, err = ncplan(tmp_path, ["validate"], capsys)
    assert "None" not in out + err
    assert code == 0, err


def test_a_hex_literal_is_a_located_error_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hex_count = "\n  count = " + "0x10"  # tree-sitter-hcl reads it, python-hcl2 does not
    (tmp_path / "main.hcl").write_text(SERVICE.replace('port = "tcp"',
                                                       'port = "tcp"' + hex_count))
    code, _, err = ncplan(tmp_path, ["validate"], capsys)
    assert code == 1
    assert "Traceback" not in err and "ValueError" not in err
    assert err.startswith('Error: wrong type for "count" in service "db"')
    assert "on main.hcl:3:3:" in err
