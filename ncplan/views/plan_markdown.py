"""``ncplan plan --markdown``: the plan as a pull-request comment (GitHub-flavoured).

A title with the summary line; warnings first; a table of adds, changes and destroys per
resource type; a Mermaid graph of the resources that change (:mod:`.plan_mermaid`);
Nomad's placement failures; then one collapsible ``<details>`` per resource (drift
first; more than :data:`FOLD_AFTER` changes are folded into one more ``<details>``)
holding its diff in a ```diff block, the sign moved to the first column (``~`` written
``!`` so GitHub colours it) from the same lines as the human view.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable

from ncplan.planner.model import (
    Action,
    Adoption,
    Plan,
    PlanMode,
    PlanWarning,
    ResourceChange,
)
from ncplan.views import plan_lines
from ncplan.views.attribute_diff import DiffLine
from ncplan.views.nomad_diff import annotation_text, failure_reasons, failure_title
from ncplan.views.plan_mermaid import change_graph

_MARKDOWN_SIGNS = {"~": "!", "-/+": "!"}
FOLD_AFTER = 10


def diff_block(lines: Iterable[DiffLine]) -> str:
    """A fenced ```diff block: each line's sign in the first column, then its indentation."""
    body = []
    for line in lines:
        sign = _MARKDOWN_SIGNS.get(line.sign, line.sign)
        body.append(f"{sign}{' ' * (1 + 4 * line.depth)}{line.text}".rstrip())
    text = "\n".join(body)
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}diff\n{text}\n{fence}"


def _details(summary: str, lines: list[DiffLine], notes: Iterable[str] = ()) -> list[str]:
    parts = ["<details><summary>" + html.escape(summary) + "</summary>", ""]
    parts += [f"{note}  " for note in notes]
    if parts[-1] != "":
        parts.append("")
    return [*parts, diff_block(lines), "", "</details>", ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def summary_table(plan: Plan) -> list[str]:
    """``| Type | Add | Change | Destroy |`` with one row per resource type that changes
    (an ``Import`` and a ``Record`` column first when the plan imports or records objects)."""
    adopted: dict[Adoption, Counter[str]] = {how: Counter() for how in Adoption}
    add: Counter[str] = Counter()
    change: Counter[str] = Counter()
    destroy: Counter[str] = Counter()
    for item in plan.actionable:
        if item.adoption is not None:
            adopted[item.adoption][item.kind] += 1
        add[item.kind] += item.action in (Action.CREATE, Action.REPLACE)
        change[item.kind] += item.action is Action.UPDATE
        destroy[item.kind] += item.action in (Action.DELETE, Action.REPLACE)
    kinds = sorted({item.kind for item in plan.actionable})
    if not kinds:
        return []
    columns = [(how.value.capitalize(), counts) for how, counts in adopted.items()
               if counts.total()]
    columns += [("Add", add), ("Change", change), ("Destroy", destroy)]
    rows = ["| Type | " + " | ".join(name for name, _ in columns) + " |",
            "|------|" + "|".join("-" * (len(name) + 1) + ":" for name, _ in columns) + "|"]
    rows += ["| `" + kind + "` | " + " | ".join(str(counts[kind]) for _, counts in columns)
             + " |" for kind in kinds]
    return [*rows, ""]


def _warning(warning: PlanWarning) -> list[str]:
    lines = ["> [!WARNING]", f"> **{_cell(warning.summary)}**"]
    if warning.address:
        lines.append(f"> in `{warning.address}`")
    lines += [f"> {line}".rstrip() for line in warning.detail.splitlines()]
    return [*lines, ""]


def _failures(plan: Plan) -> list[str]:
    lines = []
    for change in plan.changes:
        for failure in change.nomad_plan.failures if change.nomad_plan is not None else ():
            reasons = "; ".join(failure_reasons(failure))
            lines.append(f"- `{change.address}`: {failure_title(failure)}: {reasons}")
    return ["### Placement failures", "", *lines, ""] if lines else []


def _change_details(change: ResourceChange) -> list[str]:
    notes = [f"({change.reason})"] if change.reason else []
    if change.nomad_plan is not None:
        notes += [f"Nomad scheduler: {annotation_text(a)}"
                  for a in change.nomad_plan.annotations]
    return _details(plan_lines.change_header(change), plan_lines.change_lines(change), notes)


def plan_markdown(plan: Plan) -> str:
    """The whole comment."""
    title = "Refresh-only plan" if plan.mode is PlanMode.REFRESH_ONLY else (
        "Destroy plan" if plan.mode is PlanMode.DESTROY else "ncplan plan")
    out = [f"## {title}: {plan_lines.summary_line(plan)}", ""]
    if not plan.read_live:
        out += [plan_lines.NO_REFRESH, ""]
    for warning in plan_lines.plan_warnings(plan):
        out += _warning(warning)
    out += summary_table(plan)
    if plan.mode is not PlanMode.REFRESH_ONLY:
        out += change_graph(plan)
    out += _failures(plan)
    if plan.drift:
        out += [f"### {plan_lines.DRIFT_TITLE}", ""]
        for drift in plan.drift:
            out += _details(plan_lines.drift_header(drift), plan_lines.drift_lines(drift),
                            [drift.reason] if drift.reason else [])
        if plan.mode is PlanMode.REFRESH_ONLY:
            out += [plan_lines.DRIFT_REFRESH_ONLY, ""]
    if plan.mode is not PlanMode.REFRESH_ONLY and plan.actionable:
        out += ["### Changes", ""]
        folded = len(plan.actionable) > FOLD_AFTER
        if folded:
            out += [f"<details><summary>{len(plan.actionable)} resources</summary>", ""]
        groups = plan_lines.cluster_groups(plan) or [
            plan_lines.ClusterGroup("", plan.actionable)]
        for group in groups:
            if group.name:
                out += [f"#### {group.header}", ""]
            for change in group.changes:
                out += _change_details(change)
        if folded:
            out += ["</details>", ""]
    if plan.mode is not PlanMode.REFRESH_ONLY and plan.forgotten:
        out += [f"- `{plan_lines.forgotten_header(address)}`" for address in plan.forgotten] + [""]
    return "\n".join(out).rstrip("\n") + "\n"
