"""The diagnostics collector of one load: each diagnostic gets its ``file:line:col`` and
source line.

The diagnostic types themselves (``Diagnostic``, ``Severity``, ``SourceSpan``) live in
:mod:`ncplan.diagnostics`, shared by every layer; this collector stays in config/ because
it points into the configuration's files with the parser's positions (``Pos``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ncplan.config.syntax import Pos
from ncplan.diagnostics import Diagnostic, Severity, SourceSpan


@dataclass(frozen=True)
class Where:
    """A place in one of the configuration's files."""

    file: str
    pos: Pos


@dataclass
class Sink:
    """Every diagnostic of one run, and the file texts needed to point into them."""

    texts: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add_source(self, file: str, text: str) -> None:
        self.texts[file] = text

    def span(self, where: Where | SourceSpan | None) -> SourceSpan | None:
        if where is None or isinstance(where, SourceSpan):
            return where
        pos = where.pos
        return SourceSpan(where.file, pos.line, pos.column, pos.end_line, pos.end_column)

    def text_of(self, where: Where) -> str:
        """The source text at ``where``; empty when the file's text is not known."""
        return self.texts.get(where.file, "")[where.pos.start:where.pos.end]

    def source_line(self, file: str, line: int) -> str:
        """Line ``line`` (1-based, lines end at ``\\n`` as the parser counts them), found
        without copying the file: a 50 MB file with errors is not split per error."""
        text = self.texts.get(file, "")
        start = 0
        for _ in range(line - 1):
            start = text.find("\n", start) + 1
            if start == 0:
                return ""
        if line < 1 or start > len(text):
            return ""
        end = text.find("\n", start)
        return text[start:end if end >= 0 else len(text)].rstrip()

    def _add(self, severity: Severity, summary: str, where: Where | SourceSpan | None, detail: str,
             address: str) -> None:
        span = self.span(where)
        source = self.source_line(span.file, span.line) if span else ""
        self.diagnostics.append(Diagnostic(severity, summary, detail, span, source, address))

    def error(self, summary: str, where: Where | SourceSpan | None, detail: str = "",
              address: str = "") -> None:
        self._add(Severity.ERROR, summary, where, detail, address)

    def warning(self, summary: str, where: Where | SourceSpan | None, detail: str = "",
                address: str = "") -> None:
        self._add(Severity.WARNING, summary, where, detail, address)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def find(self, where: Where, needle: str) -> Where:
        """The place of ``needle`` (a whole word) inside ``where``; ``where`` if absent."""
        text = self.texts.get(where.file)
        if text is None:
            return where
        pattern = re.compile(r"(?<![\w.-])" + re.escape(needle) + r"(?![\w-])")
        match = pattern.search(text, where.pos.start, where.pos.end)
        if match is None:
            return where
        return Where(where.file, offset_pos(text, match.start(), match.end()))


def offset_pos(text: str, start: int, end: int) -> Pos:
    """Line and column of character offsets in ``text``."""
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return Pos(line, column, end_line, end_column, start, end)
