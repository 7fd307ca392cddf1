"""A diagnostic on a line of megabytes shows the part around its column, not the line."""

from __future__ import annotations

import io

from rich.console import Console

from ncplan.config.collector import Sink
from ncplan.diagnostics import Diagnostic, Severity, SourceSpan
from ncplan.views.errors import LINE_WIDTH, render_diagnostic


def _rendered(line: str, column: int) -> list[str]:
    console = Console(file=io.StringIO(), width=100_000, no_color=True)
    span = SourceSpan("main.hcl", 3, column, 3, column + 1)
    render_diagnostic(console, Diagnostic(Severity.ERROR, "bad", "", span, line))
    text = console.file.getvalue()
    assert isinstance(text, str)
    return text.splitlines()[2:4]


def test_a_short_line_is_shown_whole() -> None:
    assert _rendered('  a = "x"', 7) == ['     3 |   a = "x"', "       |       ^"]


def test_a_long_line_is_cut_around_the_column_and_the_caret_still_points_at_it() -> None:
    line = "a" * 5_000_000 + "X" + "b" * 5_000_000
    shown, caret = _rendered(line, 5_000_001)
    body = shown[len("     3 | "):]
    assert body.startswith("...") and body.endswith("...")
    assert len(body) == LINE_WIDTH + 6
    assert body[caret.index("^") - len("       | ")] == "X"


def test_the_line_at_either_end_is_cut_on_one_side_only() -> None:
    line = "X" + "b" * 1000
    shown, caret = _rendered(line, 1)
    assert shown.endswith("...") and "| X" in shown and caret.endswith("| ^")
    line = "a" * 1000 + "X"
    shown, caret = _rendered(line, 1001)
    body = shown[len("     3 | "):]
    assert body.startswith("...") and body.endswith("X")
    assert body[caret.index("^") - len("       | ")] == "X"


def test_the_source_line_is_found_by_newlines_only() -> None:
    collector = Sink()
    collector.texts["f.hcl"] = "one\r\ntwo\x0cstill two\nthree"
    assert [collector.source_line("f.hcl", n) for n in (0, 1, 2, 3, 4)] == [
        "", "one", "two\x0cstill two", "three", ""]
