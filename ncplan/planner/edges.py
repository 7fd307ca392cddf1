"""The state's recorded edges kept current. Pure.

Deletes are ordered by the edges the state recorded (:mod:`.steps`), and a resource's
record is rewritten only when it is written. A resource the apply leaves alone (a no-op)
whose edges the configuration changed (a rule of "Apply order" that changed between
ncplan versions, a ``depends_on`` added) gets its edges recorded anyway, as Terraform
records the dependencies of every instance an apply visits, so a later destroy follows
the configuration the objects were last applied with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ncplan.planner.model import Action, ResourceChange
from ncplan.state.model import State


def with_current_edges(state: State, changes: Iterable[ResourceChange]) -> State:
    """``state`` with each no-op's recorded edges replaced by the configuration's."""
    current = {c.address: c.depends_on for c in changes if c.action is Action.NOOP}
    return state.with_resources(
        replace(r, dependencies=current[r.address])
        if r.address in current and r.dependencies != current[r.address] else r
        for r in state.resources)
