"""The steps of an apply and what each waits for. Pure.

Each actionable change becomes one or two steps: a create, update or import is a
``write`` (a change only recorded has none), a delete a ``delete``, a replace its
``delete`` then its ``write`` (a create, index 0).
``needs`` reads "runs only after":

* ``write A`` needs ``write B`` for each B that A depends on (dependency order);
* ``delete B`` needs ``delete A`` for each A that depends on B (reverse order: nothing is
  deleted while something that needs it still exists);
* a replace's ``write A`` needs its own ``delete A``.

Dependencies are the changes' ``depends_on`` (for a delete, what the state recorded);
those naming resources without a step of that kind are ignored (they do not change).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ncplan.planner.model import Action, ResourceChange


class StepKind(enum.Enum):
    WRITE = "write"
    DELETE = "delete"


@dataclass(frozen=True)
class Step:
    """One provider call. ``change`` is what the executor and the hooks see: for a
    replace, the change as a delete, then as a create (``observed_index`` 0)."""

    kind: StepKind
    change: ResourceChange
    needs: tuple[str, ...] = ()
    counts_as: str = "add"  # "add" | "change" | "destroy" | "import", Terraform's counts

    @property
    def key(self) -> str:
        return step_key(self.kind, self.change.address)


def step_key(kind: StepKind, address: str) -> str:
    return f"{kind.value} {address}"


def _split(change: ResourceChange) -> list[Step]:
    if change.action is Action.CREATE:
        return [Step(StepKind.WRITE, change, counts_as="add")]
    if change.action is Action.UPDATE:
        return [Step(StepKind.WRITE, change, counts_as="change")]
    if change.action is Action.NOOP and change.importing:  # the write marks it as ours
        return [Step(StepKind.WRITE, change, counts_as="import")]
    if change.action is Action.DELETE:
        return [Step(StepKind.DELETE, change, counts_as="destroy")]
    if change.action is Action.REPLACE:
        gone = replace(change, action=Action.DELETE)
        new = replace(change, action=Action.CREATE, before=None, observed_index=0)
        return [Step(StepKind.DELETE, gone, counts_as="destroy"),
                Step(StepKind.WRITE, new, counts_as="add")]
    return []


def plan_steps(changes: Iterable[ResourceChange]) -> dict[str, Step]:
    """Every step of ``changes`` (no-ops have none), by key, with what each needs."""
    split = [step for change in changes for step in _split(change)]
    keys = {step.key for step in split}
    dependents: dict[str, list[str]] = {}
    for step in split:
        for dependency in step.change.depends_on:
            dependents.setdefault(dependency, []).append(step.change.address)
    steps: dict[str, Step] = {}
    for step in split:
        address = step.change.address
        if step.kind is StepKind.WRITE:
            needs = [step_key(StepKind.WRITE, d) for d in step.change.depends_on]
            needs.append(step_key(StepKind.DELETE, address))
        else:
            needs = [step_key(StepKind.DELETE, d) for d in dependents.get(address, [])]
        found = tuple(sorted({n for n in needs if n in keys and n != step.key}))
        steps[step.key] = replace(step, needs=found)
    return steps
