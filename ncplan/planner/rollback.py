"""The rollback of a failed apply (``apply --rollback-on-failure``): the plan that restores
what the run changed to what the state recorded before it. Pure.

Compared per address that the run's plan touched, the state before the run (``before``:
what the apply started from, after its reconcile) and the state the run left (``after``):

* recorded after, not before (the run created it): a delete, check-and-set against the
  index the run left;
* recorded before, not after (the run deleted it): a create of the body recorded before
  (index 0: the object is gone; an intention is one source of its destination's entry,
  which may outlive it, so its check-and-set index is the one the run's delete used,
  which the intention executor follows through its own writes to the index it left);
* recorded both, differently (the run updated or replaced it): an update back to the body
  recorded before, check-and-set against the index the run left (a job is reverted to its
  previous version: see :mod:`ncplan.orchestration.rollback_run`);
* the same in both (not started, failed before writing, or skipped): nothing.

Left alone and named: a write sent without an answer (recorded possibly applied: whether
it landed is for the next plan to settle), and an object this run imported (it lived
before the run; deleting it would undo more than the run did).

The restoring changes go through the apply engine like any plan: ordered by
:mod:`ncplan.planner.steps` against the state the run left (what was created is deleted
after what came to need it is restored, what was deleted is recreated before what needs
it), each recorded in the state as it lands. After a complete rollback the state holds
the records it held before the run, apart from the serial and the live indexes the
restoring writes moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ncplan.kinds.registry import kind_of
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.state.model import ResourceState, State

#: The ``reason`` of every restoring change: how views tell a rollback step from another.
ROLLBACK_REASON = "rollback"
POSSIBLY_APPLIED = ("its write was sent without an answer (it may have landed): "
                    "the next plan settles it")
IMPORTED = "imported by this apply: it existed before, so it is kept"


@dataclass(frozen=True)
class NotRestored:
    """An address the rollback did not restore, and why."""

    address: str
    reason: str


@dataclass(frozen=True)
class RollbackPlan:
    """The restoring changes (a :class:`Plan` whose ``prior_state`` is the state the run
    left) and what is left as it is."""

    plan: Plan
    left: tuple[NotRestored, ...] = ()

    @property
    def changes(self) -> tuple[ResourceChange, ...]:
        return self.plan.changes


@dataclass(frozen=True)
class RollbackOutcome:
    """How a rollback ended: ``restored`` went back to the state before the run,
    ``not_restored`` did not (refused by check-and-set, failed, left, or not started after
    an interrupt); ``interrupted``: Ctrl-C or SIGTERM stopped it."""

    restored: tuple[str, ...] = ()
    not_restored: tuple[NotRestored, ...] = ()
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return not self.not_restored and not self.interrupted


def rollback_plan(forward: Plan, before: State, after: State) -> RollbackPlan:
    """What restores every object ``forward`` changed from ``after`` back to ``before``."""
    changes: list[ResourceChange] = []
    left: list[NotRestored] = []
    for change in _touched(forward.actionable):
        was, now = before.resource(change.address), after.resource(change.address)
        if was == now:
            continue
        if now is not None and now.possibly_applied:
            left.append(NotRestored(change.address, POSSIBLY_APPLIED))
        elif was is None and change.importing:
            left.append(NotRestored(change.address, IMPORTED))
        elif was is None and now is not None:
            changes.append(_delete(change, now))
        elif was is not None and now is None:
            changes.append(_recreate(change, was))
        elif was is not None and now is not None:
            changes.append(_revert(change, was, now))
    plan = Plan(mode=forward.mode, changes=tuple(changes), prior_state=after,
                lineage=after.lineage, serial=after.serial, read_live=forward.read_live)
    return RollbackPlan(plan, tuple(left))


def with_edges_of(state: State, original: State, forward: Plan) -> State:
    """``state`` with the edges ``original`` recorded for every resource ``forward`` did
    not change (the apply recorded the new configuration's edges for those before its
    first step; the rollback puts back the old configuration's)."""
    touched = {c.address for c in forward.actionable}
    kept = []
    for record in state.resources:
        old = original.resource(record.address)
        if old is not None and record.address not in touched:
            record = replace(record, dependencies=old.dependencies)
        kept.append(record)
    return state.with_resources(kept)


def _touched(changes: Iterable[ResourceChange]) -> list[ResourceChange]:
    """One change per address, in address order."""
    return sorted({c.address: c for c in changes}.values(), key=lambda c: c.address)


def _delete(change: ResourceChange, now: ResourceState) -> ResourceChange:
    return ResourceChange(address=change.address, kind=now.kind, name=now.id,
                          action=Action.DELETE, before=now.attributes, after=None,
                          reason=ROLLBACK_REASON, observed_index=now.observed_index,
                          depends_on=now.dependencies)


def _recreate(change: ResourceChange, was: ResourceState) -> ResourceChange:
    index = change.observed_index if kind_of(was.kind).shared_entry else 0
    return ResourceChange(address=change.address, kind=was.kind, name=was.id,
                          action=Action.CREATE, before=None, after=was.attributes,
                          reason=ROLLBACK_REASON, observed_index=index,
                          depends_on=was.dependencies)


def _revert(change: ResourceChange, was: ResourceState, now: ResourceState) -> ResourceChange:
    return ResourceChange(address=change.address, kind=was.kind, name=was.id,
                          action=Action.UPDATE, before=now.attributes, after=was.attributes,
                          reason=ROLLBACK_REASON, observed_index=now.observed_index,
                          depends_on=was.dependencies)
