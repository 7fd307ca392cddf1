"""``-C`` naming a directory that does not exist: every command exits 1 with one line that
names it (no traceback, and no "No state." with exit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncplan.cli import run

COMMANDS = [["validate"], ["plan"], ["plan", "--no-refresh"], ["render"], ["graph"],
            ["apply", "--auto-approve"], ["destroy", "--auto-approve"], ["show"],
            ["state", "list"], ["state", "pull"], ["init"], ["import", "nomad_job.a", "a"],
            ["force-unlock", "-f", "x"]]


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_missing_directory_is_one_line_and_exit_1(
        args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    code = run(["-C", str(missing), *args])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"Error: {missing}: no such directory\n"
    assert not missing.exists()


def test_a_file_is_not_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "main.hcl"
    file.write_text("")
    code = run(["-C", str(file), "validate"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (1, "", f"Error: {file}: not a directory\n")
