"""The tree-sitter parser reads HCL as python-hcl2 does.

python-hcl2 (``hcl2_reference``, ncplan's parser before) is the reference: every example,
every HCL text in the tests and generated documents give the same ``ParsedFile`` through
both (positions included), and the examples and a benchmark directory load to the same
``Config``. The places where the two differ are decisions (docs/decisions.md, "Parsing
HCL") and are pinned in ``test_known_differences``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hcl2_reference import parse_expression as reference_expression
from hcl2_reference import parse_hcl as reference_parse
from hcl_corpus import ROOT, configuration_strings, hcl_files, same_reading
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncplan.config import load_config
from ncplan.config import loader as loader_module
from ncplan.config.hcl import parse_expression, parse_hcl

sys.path.insert(0, str(ROOT / "bench"))
import bench_validate


@pytest.mark.parametrize("path", hcl_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_hcl_file_reads_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parsed = parse_hcl(text)
    assert not parsed.errors
    same_reading(reference_parse(text), parsed, text)


def test_every_hcl_text_of_the_tests_reads_alike() -> None:
    texts = configuration_strings()
    assert len(texts) > 80  # the collection finds the tests' configurations
    for where, text in texts:
        try:
            same_reading(reference_parse(text), parse_hcl(text), text)
        except AssertionError as error:
            raise AssertionError(f"{where}: {error}") from error


@pytest.mark.parametrize("text", ['["a", 1, true]', '{ a = "x", "b c" = [1] }', "[]",
                                  '["$${X}", "${var.y}"]'])
def test_var_expressions_read_alike(text: str) -> None:
    assert parse_expression(text) == reference_expression(text)


def _load(directory: Path, monkeypatch: pytest.MonkeyPatch, reference: bool) -> object:
    with monkeypatch.context() as patch:
        if reference:
            patch.setattr(loader_module, "parse_hcl", reference_parse)
        return load_config(directory, env={}, use_cache=False).config


@pytest.mark.parametrize("name", ["connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh"])
def test_examples_load_to_the_same_config(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = ROOT / "examples" / name
    new = _load(directory, monkeypatch, reference=False)
    assert new == _load(directory, monkeypatch, reference=True)


def test_a_benchmark_directory_loads_to_the_same_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench_validate.generate(tmp_path, 120)
    new = _load(tmp_path, monkeypatch, reference=False)
    assert new == _load(tmp_path, monkeypatch, reference=True)


# --- generated HCL -------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n not in ("true", "false", "null", "for", "in", "if"))
TEXT_PIECES = st.sampled_from([
    "a", "B c", "-", "é", "☃", "\\n", "\\t", '\\"', "\\\\", "\\u00e9", "$ ", "% ", "{", "}",
    "$${X}", "%%{ if }", "$$${y}", "${var.x}", "${upstream.db}", "${NOMAD_PORT_tcp}",
    "${ upper(var.x) }", '${f("a")}', "${a.b[0]}", "$${f(\\\"q\\\")}", "%%%{z}", "#", "//",
])
COMMENTS = st.sampled_from(["", " # note", " // note", " /* note */"])


def quoted(pieces: st.SearchStrategy[str] = TEXT_PIECES) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=5).map(lambda parts: '"' + "".join(parts) + '"')


# A block label is a literal string: no ${...} (python-hcl2 takes one, HCL does not).
LABEL_PIECES = TEXT_PIECES.filter(lambda piece: "${" not in piece or "$${" in piece)


@st.composite
def heredoc(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(["EOT", "EOF", "END_OF_TEXT"]))
    indent = draw(st.sampled_from(["", "  "]))
    trim = draw(st.booleans())
    pieces = ["x", " y", "${var.x}", "$${X}", "a = 1", "  "]
    if not trim:  # python-hcl2 backslash-escapes " and \ in <<- heredocs (a difference)
        pieces += ['"q"', "\\n"]
    line = st.lists(st.sampled_from(pieces), max_size=4).map("".join)
    lines = draw(st.lists(line, max_size=4))
    body = "".join(f"{indent}{text}\n" for text in lines)
    # The closing marker stands alone on its line (no comment, no comma after it).
    return f"<<{'-' if trim else ''}{marker}\n{body}{indent}{marker}\n"


NUMBERS = st.one_of(st.integers(-10**6, 10**6).map(str),
                    st.decimals(-1000, 1000, places=3, allow_nan=False,
                                allow_infinity=False).map(lambda d: f"{d:f}"))
EXPRESSIONS = st.sampled_from(["var.x", "list(string)", "string", "upper(var.x)",
                               'f(1, "a")', "a.b.c", "x[0]", "-var.n", "!true",
                               "1 + 2", "a == b ? 1 : 2", "(var.x)"])
SCALARS = st.one_of(quoted(), NUMBERS, st.sampled_from(["true", "false", "null"]),
                    heredoc(), EXPRESSIONS)


def values(depth: int = 2) -> st.SearchStrategy[str]:
    if depth == 0:
        return SCALARS
    inner = values(depth - 1)
    lists = st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
    keys = st.one_of(NAMES, quoted())
    pairs = st.lists(st.tuples(keys, inner), max_size=3, unique_by=lambda p: p[0])
    objects = st.one_of(
        pairs.map(lambda ps: "{ " + ", ".join(f"{k} = {v}" for k, v in ps) + " }"),
        pairs.map(lambda ps: "{\n" + "".join(f"  {k} = {v}\n" for k, v in ps) + "}"))
    return st.one_of(SCALARS, lists, objects)


@st.composite
def body(draw: st.DrawFn, depth: int = 2) -> str:
    lines: list[str] = []
    names = draw(st.lists(NAMES, max_size=4, unique=True))
    for name in names:
        comment = draw(COMMENTS)
        if draw(st.sampled_from(["#", ""])) == "#":
            lines.append("# " + draw(st.sampled_from(["before", "x = 1", "{"])))
        if depth and draw(st.booleans()):
            labels = draw(st.lists(quoted(LABEL_PIECES), max_size=2))
            inner = draw(body(depth - 1))
            lines.append(" ".join([name, *labels, "{"]) + comment + "\n" + inner + "}")
        else:
            lines.append(f"{name} = {draw(values())}{comment}")
    return "".join(line + "\n" for line in lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body())
def test_generated_hcl_reads_alike(text: str) -> None:
    reference = reference_parse(text)
    new = parse_hcl(text)
    assert not reference.errors, reference.errors  # the strategy writes valid HCL
    same_reading(reference, new, text)


@settings(max_examples=100, deadline=None)
@given(body(depth=1))
def test_generated_job_bodies_read_alike(text: str) -> None:
    """A raw ``job`` keeps its whole body as a value: python-hcl2's dict view."""
    wrapped = 'job "j" {\n' + text + "}\n"
    reference = reference_parse(wrapped)
    new = parse_hcl(wrapped)
    assert not reference.errors, reference.errors  # names are unique in a generated body
    assert new.blocks[0].body == reference.blocks[0].body


def test_known_differences() -> None:
    """Where tree-sitter-hcl reads HCL otherwise than python-hcl2 (docs/decisions.md)."""
    # An exponent without a fraction is a syntax error (the grammar needs 1.0e3).
    assert reference_parse("a = 1e3\n").attributes[0].value == "${1e3}"
    assert parse_hcl("a = 1e3\n").errors
    assert parse_hcl("a = 1.5e3\n").attributes[0].value == "${1.5e3}"
    # python-hcl2 backslash-escapes " and \ in a <<- heredoc; HCL reads heredocs as written.
    text = 'a = <<-EOT\n  say "hi" \\o/\n  EOT\n'
    assert reference_parse(text).attributes[0].value == 'say \\"hi\\" \\\\o/'
    assert parse_hcl(text).attributes[0].value == 'say "hi" \\o/'
    # python-hcl2 takes $${...} up to its } across a quote; HCL ends the string there.
    text = 'a = "$${f("x")}"\n'
    assert reference_parse(text).attributes[0].value == '$${f("x")}'
    assert parse_hcl(text).errors
    # A block label is literal text: a ${...} in it is kept as written, not normalised.
    assert reference_parse('a "${ f(x) }" {\n}\n').blocks[0].labels == ("${f(x)}",)
    assert parse_hcl('a "${ f(x) }" {\n}\n').blocks[0].labels == ("${ f(x) }",)
    # A comment may stand between an attribute's name and its = (python-hcl2 refused it).
    assert reference_parse("a /* c */ = 1\n").errors
    assert parse_hcl("a /* c */ = 1\n").attributes[0].value == 1
    # In a raw job, a block named like an earlier attribute replaces it.
    text = 'job "j" {\n  meta = { a = "1" }\n  meta {\n    b = "2"\n  }\n}\n'
    with pytest.raises(RuntimeError, match="already defined"):
        reference_parse(text)
    assert parse_hcl(text).blocks[0].body == {"meta": [{"b": "2"}]}
    # Two attributes on one line: python-hcl2 takes both; HCL (and ncplan now) refuses.
    assert len(reference_parse("a = 1 b = 2\n").attributes) == 2
    assert [e.message for e in parse_hcl("a = 1 b = 2\n").errors] == [
        "unexpected 'b'; expected a new line"]
