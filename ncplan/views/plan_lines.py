"""What the plan views share: each resource's diff lines, the summary sentence, the texts
a change of mode prints. Pure; the human view styles these lines, the Markdown view fences
them.

A job updated in place shows Nomad's own field diff (Nomad decides what changes); every
other change shows ncplan's attribute diff of ``before`` and ``after``. Values are shown
through the masks the planner put on each change and drift (``*_sensitive``,
``nomad_plan_sensitive``): a masked value is ``(sensitive value)``. A view never looks
for secrets itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from ncplan.address import split_cluster
from ncplan.planner.model import (
    Action,
    Adoption,
    Drift,
    Plan,
    PlanMode,
    PlanWarning,
    ResourceChange,
)
from ncplan.planner.redaction import hidden_nomad_plan
from ncplan.providers.live import NomadJobPlan
from ncplan.views.attribute_diff import DiffLine, Sides, resource_lines
from ncplan.views.nomad_diff import inverted, job_diff_lines

#: Terraform's legend, in Terraform's order.
LEGEND = ((Action.CREATE, "create"), (Action.UPDATE, "update in-place"),
          (Action.DELETE, "destroy"), (Action.REPLACE, "destroy and then create replacement"))

NO_CHANGES = "No changes. Your infrastructure matches the configuration."
NO_CHANGES_DETAIL = ("ncplan has compared your real infrastructure against your configuration "
                     "and found no differences, so no changes are needed.")
NO_DRIFT = "No changes. Your infrastructure still matches the configuration."
NO_DRIFT_DETAIL = ("ncplan has checked that the real remote objects still match the result of "
                   "your most recent changes, and found no differences.")
NOTHING_TO_DESTROY = "No changes. No objects need to be destroyed."
NOTHING_TO_DESTROY_DETAIL = ("Either you have not created any objects yet or the existing "
                             "objects were already deleted outside of ncplan.")
DRIFT_TITLE = "Objects have changed outside of ncplan"
DRIFT_INTRO = ("ncplan detected the following changes made outside of ncplan since the last "
               "apply:")
DRIFT_NORMAL = ("Unless you have made equivalent changes to your configuration, the following "
                "plan may include actions to undo or respond to these changes.")
DRIFT_REFRESH_ONLY = ("This is a refresh-only plan, so ncplan will not take any actions to undo "
                      "these. If you were expecting these changes then you can apply this plan "
                      "to record the updated values in the ncplan state without changing any "
                      "remote objects.")
INTRO = ("ncplan used the selected providers to generate the following execution plan. "
         "Resource actions are indicated with the following symbols:")
ACTIONS_INTRO = "ncplan will perform the following actions:"
TARGETING = "Resource targeting is in effect"
TARGETING_DETAIL = ("You are creating a plan with --target, which means that the result of this "
                    "plan may not represent all of the changes requested by the current "
                    "configuration.\n\nThe --target option is not for routine use, and is "
                    "provided only for exceptional situations such as recovering from errors "
                    "or mistakes.")
NO_REFRESH = ("Note: --no-refresh: this plan compares the configuration with the state alone; "
              "changes made outside ncplan since the last apply are not shown.")


def _edited(plan: NomadJobPlan | None) -> TypeGuard[NomadJobPlan]:
    """Nomad's plan has a field diff of an edited job to show."""
    return plan is not None and plan.diff_type == "Edited" and bool(plan.diff)


def _nomad_block(kind: str, name: str, body: list[DiffLine]) -> list[DiffLine]:
    head = DiffLine(0, "~", f'resource "{kind}" "{name}" {{')
    return [head, *body, DiffLine(0, " ", "}")]


def change_lines(change: ResourceChange) -> list[DiffLine]:
    """``~ resource "nomad_job" "web" { ... }`` for one change."""
    nomad = hidden_nomad_plan(change.nomad_plan, change.nomad_plan_sensitive)
    if change.action is Action.UPDATE and _edited(nomad):
        return _nomad_block(change.kind, change.name, job_diff_lines(nomad.diff, 1))
    sides = Sides(change.before, change.after, change.before_sensitive,
                  change.after_sensitive)
    return resource_lines(change.kind, change.name, change.action.symbol, sides,
                          replace_paths=change.replace_paths)


def drift_lines(drift: Drift) -> list[DiffLine]:
    """Nomad's own diff for a job changed outside (it sees fields ncplan does not set),
    else the attribute diff of recorded -> live."""
    nomad = hidden_nomad_plan(drift.nomad_plan, drift.nomad_plan_sensitive)
    if drift.after is not None and _edited(nomad):
        body = job_diff_lines(inverted(nomad.diff), 1)
        if body:
            return _nomad_block(drift.kind, drift.name, body)
    sides = Sides(drift.before, drift.after, drift.before_sensitive, drift.after_sensitive)
    return resource_lines(drift.kind, drift.name, drift.action.symbol, sides)


def change_header(change: ResourceChange) -> str:
    return f"{change.address} {change.phrase}"


def drift_header(drift: Drift) -> str:
    verb = "has been deleted" if drift.after is None else "has changed"
    return f"{drift.address} {verb}"


def summary_line(plan: Plan) -> str:
    """``Plan: X to add, Y to change, Z to destroy.`` or the "No changes." sentence."""
    if plan.mode is PlanMode.REFRESH_ONLY:
        if not plan.drift:
            return NO_DRIFT
        count = len(plan.drift)
        objects = "1 object has" if count == 1 else f"{count} objects have"
        return f"{objects} changed outside of ncplan."
    if plan.is_empty():
        return NOTHING_TO_DESTROY if plan.mode is PlanMode.DESTROY else NO_CHANGES
    add, change, destroy = plan.counts()
    adopted = "".join(f"{count} to {how.value}, " for how in (Adoption.IMPORT, Adoption.RECORD)
                      if (count := plan.adopted(how)))
    forget = f", {len(plan.forgotten)} to forget" if plan.forgotten else ""
    return f"Plan: {adopted}{add} to add, {change} to change, {destroy} to destroy{forget}."


@dataclass(frozen=True)
class ClusterGroup:
    """The actionable changes of one cluster, in the plan's order (see
    :func:`cluster_groups`)."""

    name: str
    changes: tuple[ResourceChange, ...]

    @property
    def counts(self) -> tuple[int, int, int]:
        return Plan(changes=self.changes).counts()

    @property
    def header(self) -> str:
        add, change, destroy = self.counts
        return (f'Cluster "{self.name}": {add} to add, {change} to change, '
                f"{destroy} to destroy.")


def cluster_groups(plan: Plan) -> list[ClusterGroup]:
    """The plan's actionable changes grouped by the cluster their address names, in the
    order the clusters come; empty for a plan without cluster keys (one implicit cluster:
    the views print as they always did)."""
    groups: dict[str, list[ResourceChange]] = {}
    for change in plan.actionable:
        groups.setdefault(change.typed_address.cluster, []).append(change)
    if not any(groups) and not any(split_cluster(a)[1] for a in plan.forgotten):
        return []
    return [ClusterGroup(name, tuple(changes)) for name, changes in groups.items()]


def forgotten_header(address: str) -> str:
    """A recorded object already gone: Terraform 1.7's "will no longer be managed"."""
    return f"{address} is already gone: it will be removed from the state"


def empty_detail(plan: Plan) -> str:
    """The sentence Terraform prints under "No changes."."""
    if plan.mode is PlanMode.REFRESH_ONLY:
        return NO_DRIFT_DETAIL
    return NOTHING_TO_DESTROY_DETAIL if plan.mode is PlanMode.DESTROY else NO_CHANGES_DETAIL


def legend(plan: Plan) -> list[tuple[str, str]]:
    """``(symbol, words)`` for the actions this plan uses, in Terraform's order."""
    used = {c.action for c in plan.actionable}
    return [(action.symbol, words) for action, words in LEGEND if action in used]


def plan_warnings(plan: Plan) -> list[PlanWarning]:
    """The plan's warnings, Terraform's targeting warning first for a partial plan."""
    targeting = [w for w in plan.warnings if w.summary == TARGETING]
    others = [w for w in plan.warnings if w.summary != TARGETING]
    if plan.targets and not targeting:  # the planner's own warning says it once already
        targeting = [PlanWarning(TARGETING, detail=TARGETING_DETAIL)]
    return [*targeting, *others]
