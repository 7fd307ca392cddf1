"""A plan (or the state ``show`` prints) written to stdout in the form the flags picked.

JSON and Markdown are written as plain text, never through Rich, whose wrapping and
markup would corrupt them; the human form is :mod:`ncplan.views.plan_human`.
"""

from __future__ import annotations

import enum
import sys

from ncplan.errors import NcplanError
from ncplan.planner.model import Plan
from ncplan.state.model import State
from ncplan.views import plan_human, plan_json, plan_markdown
from ncplan.views.console import make_console
from ncplan.views.state import print_resource, write_json


class PlanForm(enum.Enum):
    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"


def plan_form(as_json: bool, markdown: bool) -> PlanForm:
    if as_json and markdown:
        raise NcplanError("--json and --markdown cannot be combined")
    if as_json:
        return PlanForm.JSON
    return PlanForm.MARKDOWN if markdown else PlanForm.HUMAN


def print_plan(plan: Plan, form: PlanForm, *, color: bool) -> None:
    if form is PlanForm.JSON:
        sys.stdout.write(plan_json.dump_plan(plan))
    elif form is PlanForm.MARKDOWN:
        sys.stdout.write(plan_markdown.plan_markdown(plan))
    else:
        plan_human.print_plan(plan, color=color)
    sys.stdout.flush()


def print_state(state: State, *, color: bool) -> None:
    """``show`` without a plan file: each recorded resource (its sensitive values
    redacted by the caller), a blank line between resources."""
    out = make_console(stderr=False, color=color)
    for number, resource in enumerate(state.resources):
        if number:
            out.print()
        print_resource(out, resource)


def print_state_json(state: State) -> None:
    """``show --json`` without a plan file: Terraform's state shape."""
    write_json(plan_json.prior_state(state))
