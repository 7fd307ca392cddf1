"""The HCL texts the differential tests feed to both parsers, and how they compare them.

- every ``*.hcl`` under examples/ and tests/;
- every string constant in tests/**/*.py that reads as a configuration (a line break and
  ``{`` or ``=``), valid or not;
- ``same_reading`` compares two ``ParsedFile``s: names, labels, values and every position,
  except where python-hcl2 stretches an attribute over the new line (and comment) after a
  heredoc or an operation: its end is compared without that trailing space.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

from ncplan.config.collector import offset_pos
from ncplan.config.syntax import ParsedFile, Pos, RawAttribute, RawBlock

ROOT = Path(__file__).resolve().parents[3]
_TRAILING = re.compile(r"(\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)\Z", re.S)


def hcl_files() -> list[Path]:
    # *.consul.hcl are Consul config entries in HCL 1 (config/entry_syntax.py reads them)
    return sorted(p for p in [*ROOT.glob("examples/**/*.hcl"), *ROOT.glob("tests/**/*.hcl")]
                  if not p.name.endswith(".consul.hcl"))


def _looks_like_hcl(text: str) -> bool:
    return "\n" in text and ("{" in text or "=" in text) and not text.lstrip().startswith(
        ('"""', "#!"))


def configuration_strings() -> list[tuple[str, str]]:
    """``(where, text)`` for every configuration-like string constant of the tests."""
    found: list[tuple[str, str]] = []
    for path in sorted(ROOT.glob("tests/**/*.py")):
        if path.name == "test_config_parser_differential.py":  # its known differences
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                       for part in node.values}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in in_fstrings and _looks_like_hcl(node.value)):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


def _trimmed(pos: Pos, text: str) -> Pos:
    """``pos`` without the white space and comments it ends with."""
    span = text[pos.start:pos.end]
    while True:
        stripped = _TRAILING.sub("", span)
        if stripped == span:
            break
        span = stripped
    end = pos.start + len(span)
    return replace(pos, end=end, end_line=offset_pos(text, pos.start, end).end_line,
                   end_column=offset_pos(text, pos.start, end).end_column)


def _attribute(attribute: RawAttribute, text: str) -> RawAttribute:
    return replace(attribute, pos=_trimmed(attribute.pos, text))


def _block(block: RawBlock, text: str) -> RawBlock:
    return replace(block, attributes=tuple(_attribute(a, text) for a in block.attributes),
                   blocks=tuple(_block(b, text) for b in block.blocks))


def comparable(parsed: ParsedFile, text: str) -> ParsedFile:
    """``parsed`` with every attribute's end moved back over trailing space and comments."""
    return replace(parsed, attributes=tuple(_attribute(a, text) for a in parsed.attributes),
                   blocks=tuple(_block(b, text) for b in parsed.blocks))


def same_reading(reference: ParsedFile, new: ParsedFile, text: str) -> None:
    """Assert that both parsers read ``text`` alike (both fail, or the same content)."""
    if reference.errors or new.errors:
        assert bool(reference.errors) == bool(new.errors), (reference.errors, new.errors)
        return
    assert comparable(new, text) == comparable(reference, text)
