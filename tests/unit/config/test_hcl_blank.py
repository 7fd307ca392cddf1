"""Long literals are blanked before the parse (tree-sitter-hcl keeps a token per
character of a literal: a 10 MB string cost 1.8 GB) and read back as written.

The blanked parse must read every file exactly as the plain parse does: checked here with
every run blanked, however short, on the repository's HCL and on tricky snippets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ncplan.config import hcl, hclblank
from ncplan.config.hcl import parse_hcl

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("NCPLAN_SHARED_DIR", ROOT.parent / "shared"))
FILES = sorted(p for p in {*ROOT.glob("examples/**/*.hcl"), *ROOT.glob("tests/**/*.hcl"),
                            *SHARED.glob("real-jobs/**/*.hcl"),
                            *SHARED.glob("real-jobs/**/*.nomad")}
               if not p.name.endswith(".consul.hcl"))  # HCL 1: see config/entry_syntax.py
NEWLINE, BACKSLASH = "\n", "\\"
SNIPPETS = [
    'a = "plain text, with: punctuation; and {braces} and # and // and /* */"\n',
    'a = "escapes \\" \\\\ \\n \\t \\u00e9 \\U0001F600 end"\n',
    'a = "dollars $x $$ $${not} %%{not} 100% ${var.x} tail"\n',
    'a = "outer ${upper("inner ${x} string")} after"\n',
    'a = "${a}${b}"\nb = "  ${x}  "\n',
    'a = <<EOT\nline one "quoted" \\ backslash\n  EOTX not the end\n'
    '${x} and %{ if y }z%{ endif }\nEOT\n',
    'a = <<-EOT\n    indented\n      more\n    EOT\nb = 1\n',
    'a = <<EOT\nspans ${join(",", [\n  "x",\n])} lines\nEOT\n',
    'a = <<EOT\r\ncrlf line\r\nEOT\r\nb = "x"\r\n',
    '# a comment with "a quote\n// another "one\n/* and "a block */\na = "ünïcödé ✓ text"\n',
    'job "x" {\n  group "g" {\n    task "t" {\n      template {\n        data = <<EOH\n'
    '{{ range service "db" }}{{ .Address }}:{{ .Port }}{{ end }}\nEOH\n      }\n    }\n  }\n}\n',
    # Broken ones, as f-strings: the parser differential test reads the other constants.
    f'a = "unterminated{NEWLINE}b = 1{NEWLINE}',
    f'a = "bad escape {BACKSLASH}q here"{NEWLINE}',
]


def _plain(text: str, monkeypatch: pytest.MonkeyPatch) -> hcl.ParsedFile:
    with monkeypatch.context() as patch:
        patch.setattr(hcl, "blank_literals", lambda data: (data, []))
        return parse_hcl(text)


@pytest.mark.parametrize("text", [*SNIPPETS, *(p.read_text() for p in FILES)],
                         ids=[*(f"snippet{i}" for i in range(len(SNIPPETS))),
                              *(str(p.relative_to(p.parents[1])) for p in FILES)])
def test_every_run_blanked_reads_as_the_plain_parse(text: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hclblank, "MIN_RUN", 1)
    assert parse_hcl(text) == _plain(text, monkeypatch)


def test_the_repository_files_take_the_blanked_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a vacuous comparison: with every run blanked, each file parses blanked."""
    monkeypatch.setattr(hclblank, "MIN_RUN", 1)
    for path in FILES:
        source = hcl.stand_in_percents(path.read_bytes())
        assert hcl._parse_blanked(source) is not None, path


def test_a_long_literal_is_read_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "x" * 100_000 + ' \\"quoted\\" ' + "é" * 1000 + " $${kept} " + "y" * 100_000
    text = f'a = "{body}"\nb = "${{var.v}}{"z" * 70_000}"\nc = 1\n'
    source = hcl.stand_in_percents(text.encode())
    assert hcl._parse_blanked(source) is not None  # the blanked path, checked
    parsed = parse_hcl(text)
    assert [a.value for a in parsed.attributes] == [
        "x" * 100_000 + ' "quoted" ' + "é" * 1000 + " $${kept} " + "y" * 100_000,
        "${var.v}" + "z" * 70_000, 1]
    assert parsed == _plain(text, monkeypatch)
    assert (parsed.attributes[2].pos.line, parsed.attributes[2].pos.column) == (3, 1)


def test_an_error_after_a_long_literal_is_found_as_without_blanking(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'a = "' + "é" * 5000 + '"\nb = "bad \\q"\n'
    parsed = parse_hcl(text)
    assert [(e.line, e.column) for e in parsed.errors] == [(2, 5), (2, 10)]
    assert parsed == _plain(text, monkeypatch)


MEASURE = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "ncplan", "-C", sys.argv[1], "validate"],
                      capture_output=True, text=True, env={"NCPLAN_NO_CACHE": "1",
                                                          "PATH": "/usr/bin:/bin"})
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, done.returncode)
print(done.stderr[-500:])
"""


@pytest.mark.parametrize("shape", ["string", "heredoc"])
def test_a_10_mb_literal_costs_a_small_multiple_of_the_file(tmp_path: Path,
                                                            shape: str) -> None:
    """Peak RSS of a fresh ``ncplan validate``, measured by a parent of its own (before:
    1.8 GB for a 10 MB string)."""
    size = 10_000_000
    text = ('locals {\n  x = "' + "a" * size + '"\n}\n' if shape == "string" else
            "locals {\n  x = <<EOT\n" + ("b" * 99 + "\n") * (size // 100) + "EOT\n}\n")
    (tmp_path / "main.hcl").write_text(text)
    done = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path)], capture_output=True,
                          text=True, check=True, timeout=600)
    first, _, stderr = done.stdout.partition("\n")
    peak, code = (int(n) for n in first.split())
    assert code == 0, stderr
    assert peak < 20 * size, f"peak RSS {peak / 1e6:.0f} MB for a 10 MB literal"
