"""``ncplan init``: a starter ncplan.hcl that validates and renders like the seed-guide example;
it never overwrites a file and never writes beside another configuration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ncplan.cli import run

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "connect-on-nomad"


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def test_init_writes_a_starter_that_validates(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["-C", str(tmp_path), "init"]) == 0
    out, err = capsys.readouterr()
    written = tmp_path / "ncplan.hcl"
    assert out.startswith(f"Wrote {written}: services db and web (builtin sidecars), "
                          "intention web -> db.\n")
    assert err == ""
    assert [p.name for p in tmp_path.iterdir()] == ["ncplan.hcl"]

    assert run(["-C", str(tmp_path), "validate", "--json"]) == 0
    out, err = capsys.readouterr()
    assert '"valid": true' in out
    assert '"warning_count": 0' in out


def test_the_starter_renders_the_seed_guide_example(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """db and web with builtin sidecars and web -> db: the same jobs and entries, byte for byte,
    as examples/connect-on-nomad (with its default variables)."""
    assert run(["-C", str(tmp_path), "init"]) == 0
    capsys.readouterr()
    assert run(["-C", str(tmp_path), "render"]) == 0
    starter = capsys.readouterr().out
    example = shutil.copytree(EXAMPLE, tmp_path / "example")  # ncplan caches beside it
    assert run(["-C", str(example), "render"]) == 0
    example = capsys.readouterr().out
    assert starter == example
    rendered = json.loads(starter)
    assert sorted(rendered["nomad_jobs"]) == ["db", "web"]
    assert rendered["consul_config_entries"] == [{
        "Kind": "service-intentions", "Name": "db",
        "Sources": [{"Action": "allow", "Description": "web reads db", "Name": "web"}]}]


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "ncplan.hcl"
    existing.write_bytes(b"# mine\n")
    assert run(["-C", str(tmp_path), "init"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"Error: {existing} already exists; ncplan init never overwrites a file\n"
                   "  Hint: remove or rename it to start over\n")
    assert existing.read_bytes() == b"# mine\n"


def test_init_refuses_a_directory_with_a_configuration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.hcl").write_text('service "db" {}\n')
    assert run(["-C", str(tmp_path), "init"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"Error: {tmp_path} already holds a configuration (main.hcl); "
                          f"not writing {tmp_path / 'ncplan.hcl'}\n")
    assert not (tmp_path / "ncplan.hcl").exists()


def test_init_writes_beside_variable_files(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "prod.ncvars.hcl").write_text("")
    assert run(["-C", str(tmp_path), "init"]) == 0
    assert (tmp_path / "ncplan.hcl").is_file()


def test_init_into_a_missing_directory_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert run(["-C", str(missing), "init"]) == 1
    out, err = capsys.readouterr()
    assert (out, err.splitlines()[0]) == ("", f"Error: {missing}: no such directory")
    assert not missing.exists()
