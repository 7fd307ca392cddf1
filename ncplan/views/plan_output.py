"""A plan (or the state ``show`` prints) written to stdout in the form the flags picked.

JSON and Markdown are written as plain text, never through Rich, whose wrapping and
markup would corrupt them; the human form is :mod:`ncplan.views.plan_human`.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping
from typing import Any

from ncplan.planner.model import Plan
from ncplan.views import plan_human, plan_json, plan_markdown


class PlanForm(enum.Enum):
    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"


def print_plan(plan: Plan, form: PlanForm, *, color: bool) -> None:
    if form is PlanForm.JSON:
        sys.stdout.write(plan_json.dump_plan(plan))
    elif form is PlanForm.MARKDOWN:
        sys.stdout.write(plan_markdown.plan_markdown(plan))
    else:
        plan_human.print_plan(plan, color=color)
    sys.stdout.flush()


def print_json(document: Mapping[str, Any] | None) -> None:
    """A JSON document: keys sorted, indent 2, a final newline."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    sys.stdout.flush()
