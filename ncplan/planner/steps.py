"""The steps of an apply and what each waits for: the one graph both the plan's printed
"Apply order" and the engine follow. Pure.

Each actionable change becomes one or two steps: a create, update or import is a
``write`` (a change only recorded has none), a delete a ``delete``, a replace its
``delete`` then its ``write`` (a create, index 0).
``needs`` reads "runs only after". The edges of the configuration after (a change's
``depends_on``) and of the state before (what the state recorded each resource needed,
``prior``) both count (LANGUAGE.md "Apply order"):

* ``write A`` needs ``write B`` for each B that A depends on in the configuration;
* ``delete B`` needs ``delete A`` for each A that depended on B in the state and is
  deleted or replaced (nothing is deleted while something that needed it still exists);
* ``delete B`` needs ``write A`` for each A that depended on B in the state and, written
  (updated), no longer does: as Terraform orders a dependent's update before destroying
  what it depended on (web stops calling db: web's update, and its rollout, then the
  intention's delete);
* a replace's ``write A`` needs its own ``delete A``;
* a resolver's step that drops a subset needs the step of each splitter or router that
  stops naming it (:mod:`ncplan.resources.subset_release`: from the contents before
  and after, an edge of this apply only, never recorded); it replaces the
  configuration's edge from that splitter or router to the resolver.

Edges naming resources without a step of that kind are ignored (they do not change).
The configuration's edges never make a cycle (it is refused first); an edge of the state
before that would close one (a state of mixed rule versions or edited by hand, or an
update's edge against a replace) is left out, the deletes' own edges taking precedence.
A delete change carries the edges the state recorded when the plan was made; they count
too.
:func:`step_batches` turns the graph into the printed order.
"""

from __future__ import annotations

import enum
import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ncplan.planner.model import Action, ResourceChange
from ncplan.resources.subset_release import EntrySides, subset_releases
from ncplan.state.model import ResourceState


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


def recorded_needs(resources: Iterable[ResourceState]) -> dict[str, tuple[str, ...]]:
    """Address -> what the state recorded it needs: the ``prior`` of :func:`plan_steps`."""
    return {r.address: r.dependencies for r in resources}


def _before(change: ResourceChange, prior: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """What ``change``'s resource needed in the state before: the edges recorded, and a
    delete's own (the state's when the plan was made)."""
    recorded = tuple(prior.get(change.address, ()))
    if change.action is Action.DELETE:
        return tuple(dict.fromkeys([*recorded, *change.depends_on]))
    if change.action is Action.REPLACE and change.address not in prior:
        return change.depends_on
    return recorded


def plan_steps(changes: Iterable[ResourceChange],
               prior: Mapping[str, Sequence[str]] | None = None) -> dict[str, Step]:
    """Every step of ``changes`` (no-ops have none), by key, with what each needs;
    ``prior``: address -> what the state before recorded it needs (see the module)."""
    changes = list(changes)
    prior = prior or {}
    split = [step for change in changes for step in _split(change)]
    keys = {step.key for step in split}
    needs: dict[str, set[str]] = {step.key: set() for step in split}
    recorded: list[tuple[str, str]] = []  # (step, what it needs), from the state before
    dropped: list[tuple[str, str]] = []  # the same, for an update that drops the edge
    for change in changes:
        address = change.address
        write, delete = step_key(StepKind.WRITE, address), step_key(StepKind.DELETE, address)
        if write in keys:
            needs[write].update(step_key(StepKind.WRITE, d) for d in change.depends_on)
            needs[write].add(delete)
        for dependency in _before(change, prior):
            gone = step_key(StepKind.DELETE, dependency)
            if gone not in keys or dependency == address:
                continue
            if delete in keys:
                recorded.append((gone, delete))
            elif write in keys and dependency not in change.depends_on:
                dropped.append((gone, write))
    graph = {key: {n for n in found if n in keys and n != key} for key, found in needs.items()}
    _add_acyclic(graph, sorted(recorded))
    _add_acyclic(graph, sorted(dropped))
    released = _release_edges(changes, keys)
    for resolver, releasing in released:  # this apply's order wins over the configuration's
        graph[releasing].discard(resolver)
    _add_acyclic(graph, released)
    return {step.key: replace(step, needs=tuple(sorted(graph[step.key]))) for step in split}


def _release_edges(changes: Sequence[ResourceChange],
                   keys: set[str]) -> list[tuple[str, str]]:
    """(resolver's step, the releasing entry's step): each a write when it has one."""
    def step_of(address: str) -> str:
        write = step_key(StepKind.WRITE, address)
        return write if write in keys else step_key(StepKind.DELETE, address)
    releases = subset_releases(EntrySides(c.address, c.before, c.after) for c in changes)
    edges = {(step_of(r.resolver), step_of(r.releasing)) for r in releases}
    return sorted(edge for edge in edges if edge[0] in keys and edge[1] in keys)


def _add_acyclic(graph: dict[str, set[str]], edges: list[tuple[str, str]]) -> None:
    """Add ``edges`` (step, what it needs) to the acyclic ``graph``, each one that closes
    no cycle: all at once when they make none (the usual case), else one by one."""
    candidate = {key: set(found) for key, found in graph.items()}
    for key, need in edges:
        candidate[key].add(need)
    try:
        graphlib.TopologicalSorter(candidate).prepare()
    except graphlib.CycleError:
        for key, need in edges:
            if not _reaches(graph, need, key):
                graph[key].add(need)
        return
    graph.update(candidate)


def _reaches(needs: Mapping[str, set[str]], start: str, target: str) -> bool:
    """True when ``start`` needs ``target``, directly or through other steps."""
    seen, todo = {start}, [start]
    while todo:
        for need in needs[todo.pop()]:
            if need == target:
                return True
            if need not in seen:
                seen.add(need)
                todo.append(need)
    return False


def step_batches(steps: Mapping[str, Step]) -> tuple[tuple[str, ...], ...]:
    """The printed "Apply order": batches of addresses, each step in the first batch after
    every step it needs (a replaced address appears twice: its delete, then its write).
    The engine starts a step as soon as the steps it needs are done, so it never starts
    one before a step of an earlier batch that it needs."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
        {key: step.needs for key, step in steps.items()})
    sorter.prepare()  # acyclic: a change's own edges come from an acyclic graph
    batches: list[tuple[str, ...]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda k: (steps[k].change.address, k))
        batches.append(tuple(steps[k].change.address for k in ready))
        sorter.done(*ready)
    return tuple(batches)
