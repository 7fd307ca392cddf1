"""``ncplan validate`` output: the diagnostics and a verdict, for people or as JSON.

People: each diagnostic on stderr, then ``Success! ...`` on stdout or ``Error: the
configuration has N errors`` on stderr. ``--json``: only the JSON report, on stdout.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from ncplan.diagnostics import Diagnostic
from ncplan.views.console import make_console
from ncplan.views.errors import render_diagnostics


@dataclass(frozen=True)
class ValidationReport:
    """Every diagnostic of one ``validate`` run; valid when none is an error."""

    diagnostics: tuple[Diagnostic, ...]

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "error_count": self.error_count,
            "warning_count": len(self.diagnostics) - self.error_count,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def print_report(report: ValidationReport, *, as_json: bool, color: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return
    console = make_console(stderr=True, color=color)
    render_diagnostics(console, report.diagnostics)
    if report.valid:
        make_console(stderr=False, color=color).print(
            "[bold green]Success![/] The configuration is valid.")
    else:
        count = report.error_count
        console.print(f"[bold red]Error:[/] the configuration has {count} "
                      f"error{'s' if count != 1 else ''}")
