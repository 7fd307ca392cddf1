"""The "Apply order" a plan prints is the order the engine follows, step for step.

Hypothesis draws small graphs: resources in the state before (with the edges the state
recorded), in the configuration after (with its edges), and for each one a create, update,
replace, delete or no-op. For each plan, the printed order (``Plan.apply_order``, from
:func:`ncplan.planner.build.plan_order`) and the engine's real run (over recording
executors, serial and parallel) are checked against the rule of LANGUAGE.md "Apply order",
written out independently below:

* ``write A`` after ``write B`` when the configuration has A need B;
* ``delete B`` after ``delete A`` when the state had A need B and A is deleted or replaced;
* ``delete B`` after ``write A`` when the state had A need B and A, updated, no longer
  needs B (a dependent's update before destroying what it depended on);
* a replace's ``write A`` after its ``delete A``.

With parallelism 1 the engine starts the steps exactly in the printed order (batch by
batch); with more, each step starts after the steps the rule puts before it ended.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from apply_doubles import Calls, KeepingManager, executors, recorded, start_state
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ncplan.planner.build import plan_order
from ncplan.planner.engine import ApplyOptions, apply_plan
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.state.model import ResourceState

NAMES = [f"nomad_job.n{i}" for i in range(6)]


@dataclass(frozen=True)
class Case:
    changes: tuple[ResourceChange, ...]
    prior: tuple[ResourceState, ...]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(2, 6))
    names = NAMES[:count]
    kinds = draw(st.lists(st.sampled_from(["create", "update", "replace", "delete", "noop"]),
                          min_size=count, max_size=count))
    in_state = {n for n, k in zip(names, kinds, strict=True) if k != "create"}
    in_config = {n for n, k in zip(names, kinds, strict=True) if k != "delete"}

    def edges(among: set[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for i, name in enumerate(names):
            earlier = [n for n in names[:i] if n in among]
            found[name] = tuple(draw(st.lists(st.sampled_from(earlier), unique=True))
                                if earlier and name in among else [])
        return found

    before, after = edges(in_state), edges(in_config)
    actions = {"create": Action.CREATE, "update": Action.UPDATE, "replace": Action.REPLACE,
               "delete": Action.DELETE, "noop": Action.NOOP}
    changes = []
    for name, kind in zip(names, kinds, strict=True):
        action = actions[kind]
        short = name.partition(".")[2]
        changes.append(ResourceChange(
            address=name, kind="nomad_job", name=short, action=action,
            before=None if action is Action.CREATE else {"v": 1},
            after=None if action is Action.DELETE else {"v": 2},
            observed_index=0 if action is Action.CREATE else 10,
            depends_on=before[name] if action is Action.DELETE else after[name]))
    prior = tuple(recorded(n, depends_on=before[n]) for n in names if n in in_state)
    return Case(tuple(changes), prior)


def rule_edges(case: Case) -> set[tuple[str, str]]:
    """``(first, then)`` step keys, straight from the rule."""
    by_address = {c.address: c for c in case.changes}
    was = {r.address: r.dependencies for r in case.prior}
    edges = set()
    for change in case.changes:
        a = change.address
        if change.action in (Action.CREATE, Action.UPDATE, Action.REPLACE):
            for b in change.depends_on:
                if by_address[b].action is not Action.NOOP:
                    edges.add((f"write {b}", f"write {a}"))
        if change.action is Action.REPLACE:
            edges.add((f"delete {a}", f"write {a}"))
        for b in was.get(a, ()):
            if by_address[b].action not in (Action.DELETE, Action.REPLACE):
                continue
            if change.action in (Action.DELETE, Action.REPLACE):
                edges.add((f"delete {a}", f"delete {b}"))
            elif change.action is Action.UPDATE and b not in change.depends_on:
                edges.add((f"write {a}", f"delete {b}"))
    return edges


def acyclic(edges: set[tuple[str, str]]) -> bool:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for first, then in edges:
        sorter.add(then, first)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return False
    return True


def printed_steps(case: Case) -> list[list[str]]:
    """The printed batches as step keys: a replaced address is printed twice, its delete
    first."""
    replaced = {c.address for c in case.changes if c.action is Action.REPLACE}
    deleted = {c.address for c in case.changes if c.action is Action.DELETE}
    seen: set[str] = set()
    batches = []
    for batch in plan_order(case.changes, case.prior):
        keys = []
        for address in batch:
            first = address not in seen
            seen.add(address)
            gone = address in deleted or (address in replaced and first)
            keys.append(f"{'delete' if gone else 'write'} {address}")
        batches.append(keys)
    return batches


def run_engine(case: Case, parallelism: int) -> Calls:
    with TemporaryDirectory() as tmp:
        manager = KeepingManager(Path(tmp) / "state.json")
        state = start_state(manager, *case.prior)
        calls = Calls()
        result = apply_plan(Plan(changes=case.changes, prior_state=state), state, manager,
                            executors(calls), options=ApplyOptions(parallelism=parallelism))  # type: ignore[arg-type]
        assert result.ok, result
        return calls


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_printed_order_is_the_engines_order(case: Case) -> None:
    edges = rule_edges(case)
    assume(acyclic(edges))
    batches = printed_steps(case)
    position = {key: number for number, batch in enumerate(batches) for key in batch}
    expected = {f"{'delete' if c.action is Action.DELETE else 'write'} {c.address}"
                for c in case.changes if c.action is not Action.NOOP} | {
        f"delete {c.address}" for c in case.changes if c.action is Action.REPLACE}
    assert sorted(position) == sorted(expected)  # every step printed, once
    for first, then in edges:
        assert position[first] < position[then], (first, then, batches)

    serial = run_engine(case, parallelism=1)
    started = serial.started_order
    assert sorted(started) == sorted(expected)
    assert [position[k] for k in started] == sorted(position[k] for k in started), (
        started, batches)

    parallel = run_engine(case, parallelism=10)
    for first, then in edges:
        assert parallel.ended_before_started(first, then), (first, then)
