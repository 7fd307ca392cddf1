"""The help's form, as Terraform and Nomad write it (not its wording): flags take no
metavar, values a capitalised one, arguments read as their metavar; ``-h`` works
everywhere; ``ncplan version``; Terraform's single-dash spellings parse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from ncplan.cli import app, run

METAVAR = re.compile(r"[A-Z][A-Z_=]*")


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command``, with its path of names."""
    yield path, command
    ctx = command.make_context("ncplan", [], resilient_parsing=True)
    for name in getattr(command, "list_commands", lambda _ctx: [])(ctx):
        yield from walk(command.get_command(ctx, name), (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(walk(ROOT))
IDS = [" ".join(path) or "ncplan" for path, _ in COMMANDS]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_shows_no_python_types_and_capital_metavars(
        path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = run([*path, "--help"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    for python_form in ("<", "list[", "{", "``", "range]", "x>="):
        assert python_form not in out, f"{python_form!r} in `ncplan {' '.join(path)} --help`"
    ctx = command.make_context("ncplan", [], resilient_parsing=True)
    for param in command.get_params(ctx):
        if type(param).__name__.endswith("Option") and (param.is_flag or param.count):
            assert not param.metavar, f"{param.opts}: a flag with a metavar"
        else:
            assert param.metavar is not None and METAVAR.fullmatch(param.metavar), (
                f"{param.name}: metavar {param.metavar!r}")
            assert param.metavar in out


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=IDS)
def test_dash_h_is_help_everywhere(path: tuple[str, ...],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = run([*path, "-h"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.lstrip().startswith("Usage: ncplan")


def test_version_command_prints_what_the_flag_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    flag = capsys.readouterr()
    assert run(["version"]) == 0
    command = capsys.readouterr()
    assert command == flag
    assert flag.out.startswith("ncplan ")


def parsed(path: tuple[str, ...], args: list[str]) -> dict[str, Any]:
    command = ROOT
    for name in path:
        command = command.get_command(command.make_context("ncplan", [],
                                                           resilient_parsing=True), name)
    params: dict[str, Any] = command.make_context(" ".join(path), args).params
    return params


def test_terraform_single_dash_spellings_parse_as_the_long_options() -> None:
    params = parsed(("plan",), [
        "-out", "plan.bin", "-detailed-exitcode", "-var", "a=1", "-var=b=2",
        "-var-file", "x.ncvars.hcl", "-target=nomad_job.db", "-json", "-destroy",
        "-lock-timeout=30s", "-parallelism", "3"])
    assert str(params["out"]) == "plan.bin"
    assert params["detailed_exitcode"] and params["as_json"] and params["destroy"]
    assert params["var"] == ["a=1", "b=2"]
    assert [str(p) for p in params["var_file"]] == ["x.ncvars.hcl"]
    assert params["target"] == ["nomad_job.db"]
    assert (params["lock_timeout"], params["parallelism"]) == ("30s", 3)
    assert parsed(("plan",), ["-refresh-only"])["refresh_only"]
    assert parsed(("apply",), ["-auto-approve", "plan.bin"])["auto_approve"]
    assert parsed(("destroy",), ["-auto-approve"])["auto_approve"]
    assert parsed(("validate",), ["-json"])["as_json"]


def test_root_spellings_and_short_chdir(tmp_path: Any) -> None:
    assert parsed((), ["-C", str(tmp_path), "version"])["chdir"] == tmp_path
    assert parsed((), [f"-chdir={tmp_path}", "-no-color", "version"])["no_color"]



@pytest.mark.parametrize(("args", "named"), [
    (["plan", "-auto-approve"], "-auto-approve"),
    (["validate", "-out=plan.bin"], "-out"),
    (["plan", "-x"], "-x"),
])
def test_an_undeclared_single_dash_word_is_named_as_typed(
        args: list[str], named: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Not ``No such option: -a``: click would read ``-auto-approve`` as ``-a -u -t ...``."""
    assert run(args) == 1
    assert capsys.readouterr().err.endswith(f"Error: No such option: {named}\n")
