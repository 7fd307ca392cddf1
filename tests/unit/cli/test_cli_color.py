"""``--no-color`` is a choice passed down to the views, not a change to the process
environment: ncplan run in-process (a test, a tool embedding it) keeps its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ncplan.cli import run

BROKEN = 'service "db" {\n  port = 5\n}\n'  # an error: validate prints it, styled


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "main.hcl").write_text(BROKEN)
    monkeypatch.setenv("FORCE_COLOR", "1")  # colour even though the output is captured
    monkeypatch.setenv("NCPLAN_NO_CACHE", "1")
    return tmp_path


def test_colour_by_default(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["-C", str(broken), "validate"]) == 1
    out, err = capsys.readouterr()
    assert "\x1b[" in out + err


def test_no_color_prints_plain_text_and_leaves_the_environment_alone(
        broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--no-color", "-C", str(broken), "validate"]) == 1
    out, err = capsys.readouterr()
    assert "main.hcl:2" in out + err
    assert "\x1b[" not in out + err
    assert "NO_COLOR" not in os.environ
    assert run(["-C", str(broken), "validate"]) == 1  # the next run has its colour back
    assert "\x1b[" in "".join(capsys.readouterr())


def test_no_color_reaches_a_usage_error(capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert run(["--no-color", "plan", "--no-such-flag"]) == 1
    err = capsys.readouterr().err
    assert "--no-such-flag" in err and "\x1b[" not in err
    assert "NO_COLOR" not in os.environ
