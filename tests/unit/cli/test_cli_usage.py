"""Usage errors exit 1 with click's message on stderr (2 is reserved for "the plan has changes");
help, asked for or shown for a bare group, exits 0 on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ncplan.cli import run

ROOT = Path(__file__).resolve().parents[3]
ROOT_USAGE = "Usage: ncplan [OPTIONS] COMMAND [ARGS]...\nTry 'ncplan --help' for help.\n\n"


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize(("args", "stderr"), [
    (["--bogus"], ROOT_USAGE + "Error: No such option: --bogus\n"),
    (["frobnicate"], ROOT_USAGE + "Error: No such command 'frobnicate'.\n"),
    (["state", "show"],
     "Usage: ncplan state show [OPTIONS] ADDR\n"
     "Try 'ncplan state show --help' for help.\n\n"
     "Error: Missing argument 'ADDR'.\n"),
    (["render", "--format", "yaml"],
     "Usage: ncplan render [OPTIONS] [NAME]\n"
     "Try 'ncplan render --help' for help.\n\n"
     "Error: Invalid value for '--format': Value error, 'yaml' is not one of 'json', 'hcl'.\n"),
    (["state", "list", "--bogus"],
     "Usage: ncplan state list [OPTIONS]\n"
     "Try 'ncplan state list --help' for help.\n\n"
     "Error: No such option: --bogus\n"),
], ids=["unknown-flag", "unknown-command", "missing-argument", "bad-choice", "sub-flag"])
def test_usage_error_exits_1_with_message_on_stderr(
        args: list[str], stderr: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(args)
    out, err = capsys.readouterr()
    assert (code, out, err) == (1, "", stderr)


@pytest.mark.parametrize(("args", "usage"), [
    ([], "Usage: ncplan [OPTIONS] COMMAND [ARGS]..."),
    (["--help"], "Usage: ncplan [OPTIONS] COMMAND [ARGS]..."),
    (["state"], "Usage: ncplan state [OPTIONS] COMMAND [ARGS]..."),
    (["state", "--help"], "Usage: ncplan state [OPTIONS] COMMAND [ARGS]..."),
    (["render", "--help"], "Usage: ncplan render [OPTIONS] [NAME]"),
], ids=["bare", "help", "bare-state", "state-help", "render-help"])
def test_help_exits_0_on_stdout(args: list[str], usage: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    code = run(args)
    out, err = capsys.readouterr()
    assert code == 0
    assert usage in out
    assert "Commands" in out or "Options" in out
    assert err == ""


def test_version_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--version"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (0, "ncplan 0.1.0\n", "")


def test_the_process_exit_code_is_the_one_run_returns() -> None:
    """Through ``python -m ncplan`` (the console script's ``main``): real process and streams."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    bad = subprocess.run([sys.executable, "-m", "ncplan", "state", "show"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr.endswith("Error: Missing argument 'ADDR'.\n")
    bare = subprocess.run([sys.executable, "-m", "ncplan"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert (bare.returncode, bare.stderr) == (0, "")
    assert "Usage: ncplan [OPTIONS] COMMAND [ARGS]..." in bare.stdout


@pytest.mark.parametrize(("args", "flag"), [
    (["apply", "--wait-timeout", "5x", "--auto-approve"], "--wait-timeout"),
    (["destroy", "--wait-timeout", "soon", "--auto-approve"], "--wait-timeout"),
    (["plan", "--lock-timeout", "5x"], "--lock-timeout"),
    (["state", "list", "--lock-timeout", "soon"], "--lock-timeout"),
], ids=["apply-wait", "destroy-wait", "plan-lock", "state-lock"])
def test_a_bad_duration_is_a_usage_error_naming_its_flag(
        args: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["-C", str(tmp_path), *args])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert f"Try 'ncplan {' '.join(a for a in args[:2] if not a.startswith('-'))} --help'" in err
    value = args[args.index(flag) + 1]
    assert f"Error: Invalid value for '{flag}': invalid duration {value!r}" in err
