"""Diagnostics: errors and warnings about the configuration, each with its source location.

The types every layer shares (config loading, the resource graph, views). While loading,
:class:`ncplan.config.collector.Sink` collects them with their source lines.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceSpan:
    """Where something stands in a file: 1-based line and column, end exclusive."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: ``summary`` says what is wrong, ``detail`` what to do about it.

    ``source_line`` is the text of the offending line, shown under the location.
    """

    severity: Severity
    summary: str
    detail: str = ""
    span: SourceSpan | None = None
    source_line: str = ""
    address: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity.value,
            "summary": self.summary,
            "detail": self.detail,
        }
        if self.address:
            data["address"] = self.address
        if self.span is not None:
            data["range"] = {
                "filename": self.span.file,
                "start": {"line": self.span.line, "column": self.span.column},
                "end": {"line": self.span.end_line, "column": self.span.end_column},
            }
            data["snippet"] = self.source_line
        return data
