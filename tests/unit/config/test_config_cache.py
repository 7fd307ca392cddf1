"""The parse cache: a second run does not parse again; corrupt entries are rewritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ncplan.config import cache as cache_module
from ncplan.config import load_config
from ncplan.config.cache import ParseCache, cache_key
from ncplan.config.hcl import parse_hcl
from ncplan.config.syntax import ParsedFile

TEXT = 'service "db" {\n  task {\n    driver = "raw_exec"\n  }\n}\n'


def counting_parser() -> tuple[list[str], object]:
    calls: list[str] = []

    def parser(text: str) -> ParsedFile:
        calls.append(text)
        return parse_hcl(text)

    return calls, parser


def test_second_parse_of_same_content_is_a_hit(tmp_path: Path) -> None:
    calls, parser = counting_parser()
    first = ParseCache(tmp_path, enabled=True).parse(TEXT, parser)  # type: ignore[arg-type]
    second_cache = ParseCache(tmp_path, enabled=True)
    second = second_cache.parse(TEXT, parser)  # type: ignore[arg-type]
    assert len(calls) == 1
    assert second_cache.hits == 1
    assert first == second
    assert (tmp_path / ".ncplan" / "cache" / f"{cache_key(TEXT)}.json").is_file()


def test_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    calls, parser = counting_parser()
    ParseCache(tmp_path, enabled=True).parse(TEXT, parser)  # type: ignore[arg-type]
    entry = tmp_path / ".ncplan" / "cache" / f"{cache_key(TEXT)}.json"
    entry.write_text('{"attributes": [', encoding="utf-8")
    parsed = ParseCache(tmp_path, enabled=True).parse(TEXT, parser)  # type: ignore[arg-type]
    assert len(calls) == 2
    assert parsed == parse_hcl(TEXT)
    assert json.loads(entry.read_text(encoding="utf-8"))["blocks"][0]["type"] == "service"


def test_key_changes_with_the_hcl2_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_key(TEXT)
    monkeypatch.setattr(cache_module, "PARSER_VERSION", "tree-sitter 0.0.1")
    assert cache_key(TEXT) != before


def test_key_changes_with_the_ncplan_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_key(TEXT)
    monkeypatch.setattr(cache_module, "__version__", "9.9.9")
    assert cache_key(TEXT) != before


def test_load_config_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXT.replace('driver = "raw_exec"', 'driver = "raw_exec"\n    config = {}')
    (tmp_path / "a.hcl").write_text(text, encoding="utf-8")
    load_config(tmp_path, env={}, use_cache=True)

    def fail(_: str) -> ParsedFile:
        raise AssertionError("parsed again")

    monkeypatch.setattr("ncplan.config.loader.parse_hcl", fail)
    config = load_config(tmp_path, env={}, use_cache=True).config
    assert config.services[0].name == "db"


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    ParseCache(tmp_path, enabled=True).parse(TEXT, parse_hcl)
    assert [p.suffix for p in (tmp_path / ".ncplan" / "cache").iterdir()] == [".json"]


RACER = """
import json, sys
from pathlib import Path
from ncplan.config import load_config
result = load_config(Path(sys.argv[1]), use_cache=True)
print(json.dumps(sorted(s.name for s in result.config.services)))
"""


def test_two_runs_racing_on_a_cold_cache_both_succeed(tmp_path: Path) -> None:
    for index in range(4):
        services = "\n".join(
            f'service "svc-{index}-{n}" {{\n  port = "tcp"\n'
            f'  task {{ driver = "raw_exec" }}\n}}\n' for n in range(30))
        (tmp_path / f"part{index}.hcl").write_text(services)
    expected = sorted(f"svc-{i}-{n}" for i in range(4) for n in range(30))

    for _ in range(3):  # several rounds, each starting from a cold cache
        for entry in (tmp_path / ".ncplan" / "cache").glob("*"):
            entry.unlink()
        racers = [subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for _ in range(4)]
        outputs = [racer.communicate(timeout=120) for racer in racers]
        for racer, (out, err) in zip(racers, outputs, strict=True):
            assert racer.returncode == 0, err
            assert json.loads(out) == expected
        entries = sorted((tmp_path / ".ncplan" / "cache").iterdir())
        assert len(entries) == 4, entries  # one whole entry per file, no temporary left over
        for entry in entries:
            json.loads(entry.read_text())


SECRET = "hunter2-s3cr3t-value"
SECRET_CONFIG = '''variable "token" {
  sensitive = true
}

service "db" {
  task {
    driver = "raw_exec"
    env    = { TOKEN = "${var.token}" }
  }
}
'''


def _cache_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((directory / ".ncplan" / "cache").iterdir()))


def test_variable_files_are_never_cached(tmp_path: Path) -> None:
    config = tmp_path / "conf"
    config.mkdir()
    (config / "main.hcl").write_text(SECRET_CONFIG, encoding="utf-8")
    (config / "prod.ncvars.hcl").write_text(f'token = "{SECRET}"\n', encoding="utf-8")
    outside = tmp_path / "extra.hcl"
    outside.write_text(f'token = "{SECRET}-2"\n', encoding="utf-8")
    for var_files in ((), (outside,)):
        result = load_config(config, var_files=var_files, env={}, use_cache=True)
        assert SECRET in result.config.services[0].task.env["TOKEN"]
        cached = _cache_bytes(config)
        assert SECRET.encode() not in cached
        assert len(list((config / ".ncplan" / "cache").iterdir())) == 1  # main.hcl only


def test_entries_of_changed_and_deleted_files_are_pruned(tmp_path: Path) -> None:
    (tmp_path / "a.hcl").write_text(TEXT, encoding="utf-8")
    other = TEXT.replace('"db"', '"web"')
    (tmp_path / "b.hcl").write_text(other, encoding="utf-8")
    # An entry an older version wrote for a variable file: nothing maps to it any more.
    ParseCache(tmp_path, enabled=True).parse(f'token = "{SECRET}"\n', parse_hcl)
    load_config(tmp_path, env={}, use_cache=True)
    cache_dir = tmp_path / ".ncplan" / "cache"
    assert {p.name for p in cache_dir.iterdir()} == {f"{cache_key(TEXT)}.json",
                                                     f"{cache_key(other)}.json"}
    changed = TEXT.replace('"db"', '"api"')
    (tmp_path / "a.hcl").write_text(changed, encoding="utf-8")
    (tmp_path / "b.hcl").unlink()
    load_config(tmp_path, env={}, use_cache=True)
    assert {p.name for p in cache_dir.iterdir()} == {f"{cache_key(changed)}.json"}


def test_an_entry_written_during_the_run_is_kept(tmp_path: Path) -> None:
    """A concurrent run's fresh entry (for content this run did not see) survives prune."""
    (tmp_path / "a.hcl").write_text(TEXT, encoding="utf-8")
    cache = ParseCache(tmp_path, enabled=True)
    cache.parse(TEXT, parse_hcl)
    racing = TEXT.replace('"db"', '"racer"')
    ParseCache(tmp_path, enabled=True).parse(racing, parse_hcl)
    cache.started -= 0.5  # this run began before the other run wrote its entry
    cache.prune()
    names = {p.name for p in (tmp_path / ".ncplan" / "cache").iterdir()}
    assert names == {f"{cache_key(TEXT)}.json", f"{cache_key(racing)}.json"}


def test_a_dead_writers_temporary_file_is_pruned(tmp_path: Path) -> None:
    import os
    import time

    cache = ParseCache(tmp_path, enabled=True)
    cache.parse(TEXT, parse_hcl)
    stale = cache.path / ".0123456789abcdef.x.tmp"
    fresh = cache.path / ".fedcba9876543210.y.tmp"
    stale.write_text("{", encoding="utf-8")
    fresh.write_text("{", encoding="utf-8")
    old = time.time() - cache_module.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    cache.prune()
    assert not stale.exists()
    assert fresh.exists()  # may be a live writer's
