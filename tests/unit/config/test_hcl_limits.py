"""Input the readers cannot take is a located error, never a traceback: a 5,000-digit
integer (Python converts at most 4,300 digits) and nesting 500 deep (the readers recurse).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.config.hcl import parse_hcl
from ncplan.config.hcllimits import MAX_NESTING

ENV = {"NCPLAN_NO_CACHE": "1", "NO_COLOR": "1", "NOMAD_ADDR": "http://127.0.0.1:1",
       "CONSUL_HTTP_ADDR": "http://127.0.0.1:1"}
SERVICE = """service "db" {{
  count = {count}
  port  = "tcp"
  task {{
    driver = "raw_exec"
    config = {{ command = "/bin/db" }}
  }}
}}
"""


def _lists(depth: int) -> str:
    return "locals {\n  x = " + "[" * depth + "]" * depth + "\n}\n"


def _objects(depth: int) -> str:
    return "locals {\n  x = " + "{a = " * depth + "1" + "}" * depth + "\n}\n"


def _blocks(depth: int) -> str:  # a raw job keeps its whole body
    return 'job "x" {\n' + "a {\n" * (depth - 1) + "}\n" * (depth - 1) + "}\n"


def _sum(terms: int) -> str:
    return "locals {\n  x = " + " + ".join(["1"] * terms) + "\n}\n"


def _validate(tmp_path: Path, text: str) -> tuple[int, str, str]:
    (tmp_path / "main.hcl").write_text(text)
    result = CliRunner().invoke(app, ["-C", str(tmp_path), "validate"], env=ENV)
    return result.exit_code, result.stdout, result.stderr


def test_a_5000_digit_number_is_a_located_error(tmp_path: Path) -> None:
    code, _, stderr = _validate(tmp_path, SERVICE.format(count="9" * 5000))
    assert code == 1
    assert "Traceback" not in stderr
    assert "number too long: 5000 digits (at most 4300)" in stderr
    assert "on main.hcl:2:11:" in stderr


def test_a_4300_digit_number_and_a_long_decimal_are_read() -> None:
    parsed = parse_hcl(f"a = {'9' * 4300}\nb = 0.{'1' * 5000}\n")
    assert not parsed.errors
    assert parsed.attributes[0].value == int("9" * 4300)
    assert isinstance(parsed.attributes[1].value, float)


def test_a_long_index_in_a_template_is_a_located_error(tmp_path: Path) -> None:
    text = 'locals {\n  y = "${var.x[' + "9" * 5000 + ']}"\n}\n'
    code, _, stderr = _validate(tmp_path, text)
    assert code == 1 and "Traceback" not in stderr
    assert "number too long" in stderr and "on main.hcl:2:16:" in stderr


@pytest.mark.parametrize("build", [_lists, _objects, _blocks, _sum],
                         ids=["lists", "objects", "blocks", "operations"])
def test_nesting_500_deep_is_a_located_error(tmp_path: Path, build: object) -> None:
    assert callable(build)
    code, _, stderr = _validate(tmp_path, build(500))
    assert code == 1
    assert "Traceback" not in stderr and "RecursionError" not in stderr
    assert (f"nested too deeply: more than {MAX_NESTING} levels of blocks, lists, objects "
            "or expressions") in stderr
    assert "on main.hcl:" in stderr


@pytest.mark.parametrize("build", [_lists, _objects, _blocks, _sum],
                         ids=["lists", "objects", "blocks", "operations"])
def test_nesting_up_to_the_limit_is_read(tmp_path: Path, build: object) -> None:
    assert callable(build)
    code, stdout, stderr = _validate(tmp_path, build(MAX_NESTING - 1))
    assert (code, stderr) == (0, ""), stderr
    assert "The configuration is valid." in stdout


@pytest.mark.parametrize("text", [
    "locals {\n  x = " + "{a = " * 500 + "1 1" + "}" * 500 + "\n}\n",
    "locals {\n  x = " + "[" * 500 + "1 = 2" + "]" * 500 + "\n}\n",
    "locals {\n  x = " + "[" * 500 + "\n}\n",
], ids=["objects", "lists", "unclosed"])
def test_nesting_500_deep_with_a_syntax_error_is_a_located_error(tmp_path: Path,
                                                                   text: str) -> None:
    """The syntax error walker recursed too: the depth is checked before it runs."""
    code, _, stderr = _validate(tmp_path, text)
    assert code == 1 and "Traceback" not in stderr
    assert "Error: syntax error: " in stderr and "on main.hcl:2:" in stderr


def test_a_5000_digit_var_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    text = 'variable "n" {\n  type = number\n}\n' + SERVICE.format(count="var.n")
    (tmp_path / "main.hcl").write_text(text)
    result = CliRunner().invoke(app, ["-C", str(tmp_path), "validate", "--var",
                                      "n=" + "9" * 5000], env=ENV)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "var.n" in result.stderr or "n" in result.stderr
