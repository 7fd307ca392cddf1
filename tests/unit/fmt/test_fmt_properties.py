"""Properties of ncplan fmt on generated HCL files (hcl_documents) and on the repository's
own: formatting is idempotent; it changes only blanks (the same tokens, the same line
breaks); what the project's parser and loader read is the same before and after.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from tree_sitter import Node

from ncplan.config.hcl import parse_hcl, syntax_tree
from ncplan.config.loader import load_config
from ncplan.config.syntax import ParsedFile
from ncplan.errors import ConfigError
from ncplan.fmt import format_hcl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "config"))

from hcl_documents import documents
from real_jobs import CASES, lay_out

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if any(p.glob("*.hcl")))
_BLANKS = re.compile(r"\s+")


def formatted(text: str) -> str:
    result = format_hcl(text)
    assert result.problems == (), text
    return result.text


def leaves(text: str) -> list[tuple[str, bytes]]:
    """The parser's tokens: every leaf of the syntax tree, its type and its text."""
    root, problems = syntax_tree(text)
    assert problems == ()
    found: list[tuple[str, bytes]] = []

    def walk(node: Node) -> None:
        if node.child_count == 0:
            if node.end_byte > node.start_byte:
                found.append((node.type, node.text or b""))
            return
        for child in node.children:
            walk(child)

    for child in root.children:
        walk(child)
    return found


def squeezed(text: str) -> str:
    """``text`` without the blanks of its ``${ }`` and ``%{ }`` sequences (but those in
    their strings): the reader keeps heredocs and directives as written, and ``${ a }``
    is ``${a}``."""
    out: list[str] = []
    stack = ["text"]  # text (a template's literal part), expr (inside ${ }), brace
    i = 0
    while i < len(text):
        char, pair, state = text[i], text[i:i + 2], stack[-1]
        if state == "text" and pair in ("${", "%{") and text[i - 1:i] != pair[0]:
            stack.append("expr")
            out.append(pair)
            i += 2
            continue
        if state == "text" and char == "\\" and len(stack) > 1:
            out.append(text[i:i + 2])  # an escape inside a string: kept whole
            i += 2
            continue
        if state == "text" and char == '"' and len(stack) > 1:
            stack.pop()  # the end of a string inside an expression
        elif state != "text":
            if char in " \t":
                i += 1
                continue
            if char == '"':
                stack.append("text")
            elif char == "{":
                stack.append("brace")
            elif char == "}":
                stack.pop()
        out.append(char)
        i += 1
    return "".join(out)


def reading(value: Any) -> Any:
    """What was read, with each place reduced to its lines (fmt moves columns, never lines),
    strings ``squeezed``, and the text kept verbatim for raw jobs (``source``) left out."""
    if isinstance(value, str):
        return squeezed(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [field.name for field in dataclasses.fields(value)]
        if "line" in names and "column" in names:
            return ("at", getattr(value, "file", None), value.line,
                    getattr(value, "end_line", None))
        return (type(value).__name__, {name: reading(getattr(value, name)) for name in names
                                       if name not in ("directory", "source")})
    if isinstance(value, dict):
        return {key: reading(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [reading(item) for item in value]
    return value


def parsed(text: str) -> Any:
    result: ParsedFile = parse_hcl(text)
    assert result.errors == ()
    return reading(result)


@settings(max_examples=300)
@given(documents())
def test_formatting_is_idempotent(text: str) -> None:
    once = formatted(text)
    assert formatted(once) == once


@settings(max_examples=300)
@given(documents())
def test_formatting_changes_only_blanks(text: str) -> None:
    after = formatted(text)
    assert _BLANKS.sub("", after) == _BLANKS.sub("", text)
    assert after.count("\n") == text.count("\n")
    assert leaves(after) == leaves(text)


@settings(max_examples=300)
@given(documents())
def test_the_parser_reads_the_same_before_and_after(text: str) -> None:
    assert parsed(formatted(text)) == parsed(text)


def _format_directory(directory: Path) -> None:
    for path in directory.glob("*.hcl"):
        path.write_bytes(formatted(path.read_text(encoding="utf-8")).encode())


def _loaded(directory: Path) -> Any:
    return reading(load_config(directory))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_each_example_reads_the_same_after_formatting(example: Path, tmp_path: Path) -> None:
    """Each file parsed, and the directory loaded (when it is a configuration: examples/acl
    holds ACL policies), the same before and after; destroyed first: no indentation."""
    copy = tmp_path / example.name
    shutil.copytree(example, copy, ignore=shutil.ignore_patterns(".*"))
    for path in copy.glob("*.hcl"):
        text = path.read_text(encoding="utf-8")
        path.write_text("\n".join(line.lstrip() for line in text.split("\n")))
    files = {path: parsed(path.read_text(encoding="utf-8")) for path in copy.glob("*.hcl")}
    before = _loaded_or_errors(copy)
    _format_directory(copy)
    assert {path: parsed(path.read_text(encoding="utf-8")) for path in files} == files
    assert _loaded_or_errors(copy) == before


def _loaded_or_errors(directory: Path) -> Any:
    try:
        return _loaded(directory)
    except ConfigError as error:
        return [(d.summary, d.span.line if d.span else None) for d in error.diagnostics]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.folder)
def test_the_loader_reads_each_real_job_the_same_after_formatting(
        case: Any, tmp_path: Path) -> None:
    directory = lay_out(case, tmp_path / "before")
    before = _loaded(directory)
    _format_directory(directory)
    assert _loaded(directory) == before
