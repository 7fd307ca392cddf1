"""``ncplan fmt``: which files it takes, what it writes and prints, and its exit codes (0;
3 with -check when a file needs formatting; 1 on a syntax error or a bad path)."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest

from ncplan.cli import run

UGLY = 'service "db" {\ncount=1\n  port = "tcp"\n}\n'
PRETTY = 'service "db" {\n  count = 1\n  port  = "tcp"\n}\n'


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("NCPLAN_NO_CACHE", "1")


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def test_check_lists_the_files_that_need_formatting_writes_nothing_and_exits_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.hcl").write_text(UGLY)
    (tmp_path / "b.hcl").write_text(PRETTY)
    assert run(["-C", str(tmp_path), "fmt", "-check"]) == 3
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 'a.hcl'}\n"
    assert err == ""
    assert (tmp_path / "a.hcl").read_text() == UGLY


def test_check_passes_on_formatted_files(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "b.hcl").write_text(PRETTY)
    assert run(["fmt", "--check", str(tmp_path)]) == 0
    assert capsys.readouterr() == ("", "")


def test_fmt_rewrites_the_files_in_place_and_names_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.hcl"
    path.write_text(UGLY)
    path.chmod(0o640)
    assert run(["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr() == (f"{path}\n", "")
    assert path.read_text() == PRETTY
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.hcl"]  # no temp file left
    assert run(["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr() == ("", "")


def test_the_default_is_the_configuration_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.hcl").write_text(UGLY)
    monkeypatch.chdir(tmp_path)
    assert run(["fmt", "-check"]) == 3
    assert capsys.readouterr().out == "a.hcl\n"


def test_diff_shows_the_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.hcl"
    path.write_text(UGLY)
    assert run(["fmt", "-check", "-diff", str(path)]) == 3
    out, _ = capsys.readouterr()
    assert out == (f"{path}\n--- old/{path}\n+++ new/{path}\n@@ -1,4 +1,4 @@\n"
                   ' service "db" {\n-count=1\n-  port = "tcp"\n+  count = 1\n'
                   '+  port  = "tcp"\n }\n')
    assert path.read_text() == UGLY


def test_every_kind_of_hcl_file_is_formatted_and_json_is_left(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["main.hcl", "web.nomad.hcl", "api.nomad", "values.ncvars.hcl",
             "db.consul.hcl"]
    for name in names:
        (tmp_path / name).write_text("a=1\n")
    (tmp_path / "db.consul.json").write_text('{"Kind":  "service-defaults"}')
    (tmp_path / "notes.txt").write_text("a=1\n")
    assert run(["fmt", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / n) for n in sorted(names)]
    assert all((tmp_path / name).read_text() == "a = 1\n" for name in names)
    assert (tmp_path / "db.consul.json").read_text() == '{"Kind":  "service-defaults"}'
    assert (tmp_path / "notes.txt").read_text() == "a=1\n"


def test_a_file_of_another_kind_named_on_the_command_line_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "db.consul.json"
    path.write_text("{}")
    assert run(["fmt", str(path)]) == 1
    err = capsys.readouterr().err
    assert "only *.hcl and *.nomad files can be formatted" in err
    assert run(["fmt", str(tmp_path / "missing.hcl")]) == 1
    assert "no file or directory at" in capsys.readouterr().err


def test_subdirectories_only_with_recursive_and_never_hidden_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub" / "a.hcl").write_text(UGLY)
    (tmp_path / ".hidden" / "a.hcl").write_text(UGLY)
    (tmp_path / "b.hcl~").write_text(UGLY)
    assert run(["fmt", "-check", str(tmp_path)]) == 0
    assert run(["fmt", "-recursive", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'sub' / 'a.hcl'}\n"
    assert (tmp_path / "sub" / "a.hcl").read_text() == PRETTY
    assert (tmp_path / ".hidden" / "a.hcl").read_text() == UGLY


def test_standard_input_is_formatted_to_standard_output(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, UGLY)
    assert run(["fmt", "-"]) == 0
    assert capsys.readouterr() == (PRETTY, "")


def test_check_on_standard_input_prints_nothing_and_exits_3(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, UGLY)
    assert run(["fmt", "-check", "-"]) == 3
    assert capsys.readouterr() == ("", "")
    _stdin(monkeypatch, PRETTY)
    assert run(["fmt", "-check", "-"]) == 0


def test_a_syntax_error_is_located_as_validate_locates_it_and_the_file_is_left(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.hcl"
    bad.write_text('service "db" {\n  count = = 1\n}\n')
    (tmp_path / "good.hcl").write_text(UGLY)
    assert run(["fmt", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:2:" in err
    assert "count = = 1" in err
    assert "syntax error" in err
    assert bad.read_text() == 'service "db" {\n  count = = 1\n}\n'
    assert out == f"{tmp_path / 'good.hcl'}\n"  # the other files are formatted


def test_a_syntax_error_wins_over_check(tmp_path: Path) -> None:
    (tmp_path / "bad.hcl").write_text("a = {\n")
    (tmp_path / "ugly.hcl").write_text(UGLY)
    assert run(["fmt", "-check", str(tmp_path)]) == 1


def test_crlf_line_ends_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.hcl"
    path.write_bytes(UGLY.replace("\n", "\r\n").encode())
    assert run(["fmt", str(path)]) == 0
    assert path.read_bytes() == PRETTY.replace("\n", "\r\n").encode()


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.hcl"
    target.write_text(UGLY)
    link = tmp_path / "link.hcl"
    os.symlink(target, link)
    assert run(["fmt", str(link)]) == 0
    assert link.is_symlink()
    assert target.read_text() == PRETTY


def test_stdin_cannot_be_mixed_with_paths(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["fmt", "-", str(tmp_path)]) == 1
    assert "standard input" in capsys.readouterr().err


DOCS_ENTRIES = Path(__file__).resolve().parents[2] / "data" / "consul-entries"


def test_an_hcl1_entry_file_is_left_as_written_and_a_broken_one_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    router = (DOCS_ENTRIES / "web-router.consul.hcl").read_text()
    (tmp_path / "web-router.consul.hcl").write_text(router)
    assert run(["fmt", "-check", str(tmp_path)]) == 0
    assert (tmp_path / "web-router.consul.hcl").read_text() == router
    (tmp_path / "web-router.consul.hcl").write_text(router.replace("Service =", "Service = ="))
    assert run(["fmt", "-check", str(tmp_path)]) == 1
    assert "syntax error" in capsys.readouterr().err
