"""What ``apply``, ``destroy`` and ``import`` print around the engine's progress.

Two faces of one :class:`ApplyUi` protocol, picked by ``--json``:

* :class:`HumanApplyUi`: the plan as ``plan`` shows it (stdout), Terraform's question
  (``Do you want to perform these actions?``, only ``yes`` goes on), the progress lines
  of :class:`~ncplan.views.apply_progress.HumanApplyView` (stdout), and the end:
  ``Apply complete! Resources: X added, Y changed, Z destroyed.`` on stdout, or on
  stderr what succeeded, what failed and why, and what was skipped.
* :class:`JsonApplyUi`: one JSON event per line on stdout (``planned_change``, the
  plan's ``change_summary``, the engine's events, and the closing ``change_summary``).
"""

from __future__ import annotations

import sys
from typing import IO, Protocol

from rich.console import Console
from rich.markup import escape

from ncplan.planner.engine import ApplyResult
from ncplan.planner.hooks import ApplyHooks
from ncplan.planner.model import Adoption, Plan
from ncplan.planner.rollback import RollbackPlan
from ncplan.views import plan_human
from ncplan.views.apply_progress import (
    HumanApplyView,
    JsonApplyView,
    complete_line,
    event,
    resource_hook,
)
from ncplan.views.console import make_console
from ncplan.views.plan_lines import summary_line

APPROVE = ("Do you want to perform these actions?",
           "  ncplan will perform the actions described above.",
           "  Only 'yes' will be accepted to approve.")
APPROVE_DESTROY = ("Do you really want to destroy all resources?",
                   "  ncplan will destroy all your managed infrastructure, as shown above.",
                   "  There is no undo. Only 'yes' will be accepted to confirm.")


class ApplyUi(Protocol):
    """What the apply core tells the person or pipeline watching it."""

    @property
    def hooks(self) -> ApplyHooks: ...

    def show_plan(self, plan: Plan) -> None: ...

    def approve(self, destroy: bool) -> bool:
        """Ask; True only for ``yes``."""
        ...

    def cancelled(self, destroy: bool) -> None: ...

    def forgotten(self, addresses: tuple[str, ...]) -> None:
        """Recorded objects found already gone: dropped from the state."""
        ...

    def rolling_back(self, restoring: RollbackPlan) -> None:
        """A step failed under --rollback-on-failure: what will be restored, what left."""
        ...

    def finished(self, result: ApplyResult, destroy: bool) -> None: ...

    def close(self) -> None: ...


def _problem_lines(result: ApplyResult) -> list[str]:
    lines = []
    if result.succeeded:
        lines.append("Succeeded (recorded in the state): " + ", ".join(result.succeeded))
    lines += [f"Failed: {p.address}: {p.reason.removeprefix(f'{p.address}: ')}"
              for p in result.failed]  # provider errors often name the address already
    lines += [f"Skipped: {p.address}: {p.reason}" for p in result.skipped]
    return lines


ROLLING_BACK = ("A step failed: rolling back what this apply changed, to the state "
                "recorded before it.")


def rolling_back_lines(restoring: RollbackPlan) -> list[str]:
    """What a rollback is about to do, said before its first step."""
    lines = [ROLLING_BACK]
    if restoring.changes:
        lines.append("  To restore: " + ", ".join(c.address for c in restoring.changes))
    else:
        lines.append("  Nothing this apply wrote needs restoring.")
    lines += [f"  Left as it is: {n.address}: {n.reason}" for n in restoring.left]
    return lines


def rollback_summary(result: ApplyResult) -> list[str]:
    """The end of a rolled-back apply: what failed, what was rolled back, what was not."""
    rollback = result.rollback
    if rollback is None:
        return []
    failed = [f"Failed: {p.address}: {p.reason.removeprefix(f'{p.address}: ')}"
              for p in result.failed]
    skipped = [f"Skipped: {p.address}: {p.reason}" for p in result.skipped]
    done = ["Rolled back: " + (", ".join(rollback.restored) or "nothing")]
    left = [f"Not rolled back: {n.address}: {_unaddressed(n.reason, n.address)}"
            for n in rollback.not_restored]
    return failed + skipped + done + left


def _unaddressed(reason: str, address: str) -> str:
    """A provider's reason without the address it starts with (the line names it)."""
    for prefix in (f"{address}: ", f"{address} "):
        if reason.startswith(prefix):
            return reason.removeprefix(prefix)
    return reason


def _rollback_headline(result: ApplyResult, destroy: bool) -> str:
    rollback = result.rollback
    assert rollback is not None
    what = "Destroy" if destroy else "Apply"
    if rollback.complete:
        how = f"rolled back ({len(rollback.restored)} restored)"
    else:
        how = (f"the rollback is incomplete ({len(rollback.restored)} restored, "
               f"{len(rollback.not_restored)} not)")
    return f"{what} failed ({len(result.failed)} failed, {len(result.skipped)} skipped); {how}."


class HumanApplyUi:
    def __init__(self, *, color: bool, stdin: IO[str] | None = None) -> None:
        self.color = color
        self.out = make_console(stderr=False, color=color)
        self.err = make_console(stderr=True, color=color)
        self.stdin = stdin or sys.stdin
        self._view = HumanApplyView(self.out)

    @property
    def hooks(self) -> ApplyHooks:
        return self._view

    def show_plan(self, plan: Plan) -> None:
        plan_human.render_plan(self.out, plan)
        self.out.print()

    def approve(self, destroy: bool) -> bool:
        self.out.print()
        for line in APPROVE_DESTROY if destroy else APPROVE:
            _say(self.out, line)
        self.out.print()
        self.out.print("  Enter a value: ", end="", markup=False)
        self.out.file.flush()
        answer = self.stdin.readline()
        self.out.print()
        return answer.strip() == "yes"

    def cancelled(self, destroy: bool) -> None:
        _say(self.out, "Destroy cancelled." if destroy else "Apply cancelled.")

    def forgotten(self, addresses: tuple[str, ...]) -> None:
        for address in addresses:
            _say(self.out, forgotten_line(address))

    def rolling_back(self, restoring: RollbackPlan) -> None:
        self._view.close()
        self.out.print()
        for line in rolling_back_lines(restoring):
            _say(self.out, line)

    def finished(self, result: ApplyResult, destroy: bool) -> None:
        self._view.close()
        self.out.print()
        if result.rollback is not None:
            if result.interrupted:
                _say(self.err, "Interrupted during the rollback: the running restores "
                               "finished and were recorded; nothing else was started.")
            else:
                self.err.print(f"[bold red]Error:[/] {escape(_rollback_headline(result, destroy))}")
            for line in rollback_summary(result):
                self.err.print(f"  {escape(line)}")
            return
        if result.interrupted:
            _say(self.err, "Interrupted: the running requests finished and were recorded "
                           "in the state; nothing else was started.")
            if result.not_awaited:
                _say(self.err, "  Rollout not awaited (registered, recorded as applied): "
                               + ", ".join(result.not_awaited))
            for line in _problem_lines(result):
                _say(self.err, f"  {line}")
            return
        if result.ok:
            _say(self.out, complete_line(result.added, result.changed, result.destroyed,
                                         destroy=destroy, imported=result.imported))
            return
        what = "Destroy" if destroy else "Apply"
        self.err.print(f"[bold red]Error:[/] {what} failed: {len(result.failed)} failed, "
                       f"{len(result.skipped)} skipped (Resources: {result.added} added, "
                       f"{result.changed} changed, {result.destroyed} destroyed).")
        for line in _problem_lines(result):
            self.err.print(f"  {escape(line)}")

    def close(self) -> None:
        self._view.close()


class JsonApplyUi:
    """``--json``: never asks (the command requires ``--auto-approve`` or a plan file)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._view = JsonApplyView(stream or sys.stdout)

    @property
    def hooks(self) -> ApplyHooks:
        return self._view

    def show_plan(self, plan: Plan) -> None:
        for change in plan.actionable:
            self._view.emit("planned_change",
                            f"{change.address}: Plan to {change.action.value}",
                            change={**resource_hook(change), "reason": change.reason or None})
        add, change_count, remove = plan.counts()
        imported = plan.adopted(Adoption.IMPORT)
        message = summary_line(plan) if not plan.is_empty() else (
            f"Plan: {add} to add, {change_count} to change, {remove} to destroy.")
        self._view.write(event(
            "change_summary", message,
            changes={"add": add, "change": change_count, "import": imported,
                     "remove": remove, "operation": "plan"}))

    def approve(self, destroy: bool) -> bool:
        return False

    def cancelled(self, destroy: bool) -> None:
        return None

    def forgotten(self, addresses: tuple[str, ...]) -> None:
        for address in addresses:
            self._view.emit("state_forgotten", forgotten_line(address),
                            resource={"addr": address})

    def rolling_back(self, restoring: RollbackPlan) -> None:
        self._view.emit("rollback_start", ROLLING_BACK, level="warn", rollback={
            "restore": [c.address for c in restoring.changes],
            "left": [{"addr": n.address, "reason": n.reason} for n in restoring.left]})

    def finished(self, result: ApplyResult, destroy: bool) -> None:
        if result.rollback is not None:
            rollback = result.rollback
            self._view.emit(
                "rollback_summary", _rollback_headline(result, destroy), level="error",
                rollback={"failed": [{"addr": p.address, "reason": p.reason}
                                     for p in result.failed],
                          "rolled_back": list(rollback.restored),
                          "not_rolled_back": [{"addr": n.address, "reason": n.reason}
                                              for n in rollback.not_restored],
                          "complete": rollback.complete,
                          "interrupted": rollback.interrupted})
        self._view.change_summary(result.added, result.changed, result.destroyed,
                                  destroy=destroy)

    def close(self) -> None:
        return None


def forgotten_line(address: str) -> str:
    return f"{address}: already gone, removed from the state"


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


def print_imported(address: str, observed_index: int, *, color: bool) -> None:
    """``import``'s success, on stdout."""
    out = make_console(stderr=False, color=color)
    _say(out, f"{address}: Import prepared! (index {observed_index})")
    _say(out, "")
    _say(out, "Import successful! The resource is now managed by ncplan.")
