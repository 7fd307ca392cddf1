"""The parse cache: a second run does not parse again; corrupt entries are rewritten."""

from __future__ import annotations

import json
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
    monkeypatch.setattr(cache_module, "HCL2_VERSION", "0.0.1")
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
