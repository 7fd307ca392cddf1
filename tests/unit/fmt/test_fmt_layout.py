"""The canonical layout, rule by rule: each case is an input and what ``nomad fmt`` (Nomad
1.6.1, HashiCorp's hclwrite) writes for it, recorded from the real binary.

The whole-file comparison against the binary itself is
tests/integration/test_fmt_nomad_differential.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ncplan.fmt import format_hcl

# name -> {"input": ..., "nomad_fmt": what nomad fmt wrote}; kept as JSON, out of the
# string constants the parser's differential test collects from the tests' .py files
CASES: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "layout_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_layout_is_hclwrite_s(name: str) -> None:
    source, expected = CASES[name]["input"], CASES[name]["nomad_fmt"]
    formatted = format_hcl(source)
    assert formatted.problems == ()
    assert formatted.text == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_formatting_twice_changes_nothing_more(name: str) -> None:
    once = format_hcl(CASES[name]["input"]).text
    assert format_hcl(once).text == once


def test_a_byte_order_mark_is_dropped_as_hclwrite_drops_it() -> None:
    assert format_hcl("\ufeff" + "a=1\n").text == "a = 1\n"


def test_a_syntax_error_leaves_the_text_and_says_where() -> None:
    formatted = format_hcl('a = {\n  b = 1\n')
    assert not formatted.ok
    assert formatted.text == 'a = {\n  b = 1\n'
    assert [(p.line, p.column) for p in formatted.problems] == [(1, 5)]


def test_an_empty_file_stays_empty() -> None:
    assert format_hcl("").text == ""
    assert format_hcl("\n\n").text == "\n\n"
