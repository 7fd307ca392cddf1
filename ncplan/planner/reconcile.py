"""Reconcile the state with what a refresh read, before apply writes anything. Pure.

An apply stopped between a write and its state write (a kill, a timeout, a second
Ctrl-C, a full disk) leaves the state behind the live objects. The refreshed plan says
what is true, settled by the ownership mark (:mod:`ncplan.planner.ownership`); apply (and
destroy) start from the state :func:`reconciled` returns:

* a recorded object that is gone, and that the plan does not create again
  (``plan.forgotten``), is dropped;
* a live object carrying this state's lineage that the state does not record (an
  adoption ``record``, without another change) is recorded;
* a recorded object the plan leaves alone (no-op) whose live index moved or whose record
  differs from the planned body (an update that landed but was not recorded), or that is
  recorded as possibly applied (a write whose answer never came), is recorded again, at
  its live index.

:func:`with_possibly_applied` is the other half: the record of writes sent whose answer
never came (a timeout, an interrupt), settled by the next refresh as above.

Imports, and adopted objects that also change, are recorded by the engine after their
write, as every write is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ncplan.planner.model import Action, Adoption, Plan, ResourceChange
from ncplan.planner.redaction import redact
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState, State, possibly_applied


def record_of(change: ResourceChange, index: int, secrets: frozenset[str]) -> ResourceState:
    """What the state records of ``change`` at live index ``index``: its planned body
    (``after``), every sensitive value in it redacted (``secrets``)."""
    body: Mapping[str, Any] = change.after if change.after is not None else {}
    return ResourceState(address=change.address, kind=change.kind, id=change.name,
                         attributes=dict(redact(body, secrets)), observed_index=index,
                         dependencies=tuple(change.depends_on))


def _stale(recorded: ResourceState, fresh: ResourceState) -> bool:
    return (recorded.observed_index != fresh.observed_index or recorded.possibly_applied
            or plain(recorded.attributes) != plain(fresh.attributes))


def settled(plan: Plan, state: State | None,
            secrets: frozenset[str]) -> tuple[list[ResourceState], list[str]]:
    """``(records, dropped)``: what :func:`reconciled` adds or replaces, and removes."""
    recorded = {r.address: r for r in state.resources} if state is not None else {}
    records = []
    if plan.read_live:
        for change in plan.changes:
            if change.action is not Action.NOOP or change.before is None \
                    or change.after is None or change.adoption is Adoption.IMPORT:
                continue
            fresh = record_of(change, change.observed_index, secrets)
            old = recorded.get(change.address)
            if old is None:
                if change.adoption is Adoption.RECORD:
                    records.append(fresh)
            elif _stale(old, fresh):
                records.append(fresh)
    dropped = [a for a in plan.forgotten if a in recorded]
    return records, dropped


def reconciled(plan: Plan, state: State | None, secrets: frozenset[str]) -> State | None:
    """The state apply starts from (see the module docstring); ``state`` itself when
    nothing is to settle. A new state takes the plan's lineage (the mark it wrote)."""
    records, dropped = settled(plan, state, secrets)
    if not records and not dropped:
        return state
    base = state if state is not None else State.new(lineage=plan.lineage)
    kept = [r for r in base.resources if r.address not in set(dropped)]
    result = base.with_resources(kept)
    for record in records:
        result = result.with_resource(record)
    return result


def with_possibly_applied(state: State, changes: Iterable[ResourceChange],
                          secrets: frozenset[str] = frozenset()) -> State:
    """``state`` recording each of ``changes`` as possibly applied: its write (or delete)
    was sent and may have landed (its answer never came: a timeout, an interrupt). The
    body recorded for a create has ``secrets`` redacted, as every record has."""
    for change in changes:
        body = redact(change.after if change.after is not None else (change.before or {}),
                      secrets)
        state = possibly_applied(state, change.address, change.kind, change.name, body,
                                 change.depends_on)
    return state
