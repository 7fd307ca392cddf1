"""Steps one request can carry: ready steps of one group key go to one ``write_group``
call, each still a step of its own (its hooks, its outcome, its record); a group's
failure is each member's; a member blocked by a failure is not taken along; a group is
one request under ``parallelism``; kinds with rollouts and executors without groups go
one step at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from apply_doubles import (
    Calls,
    KeepingManager,
    RecordingExecutor,
    RecordingHooks,
    change,
    fail,
    recorded,
    start_state,
)
from apply_doubles import executors as plain_executors

from ncplan.errors import CheckAndSetConflict
from ncplan.kinds.registry import KINDS
from ncplan.planner.engine import (
    INTERRUPTED,
    ApplyOptions,
    GroupExecutor,
    Problem,
    Written,
    apply_plan,
)
from ncplan.planner.model import Action, Plan, ResourceChange

DB = "nomad_job.db"
TO_DB = tuple(f"consul_intention.{s}:db" for s in ("a", "b", "c"))
TO_CACHE = "consul_intention.a:cache"


class GroupingExecutor(RecordingExecutor):
    """A recording executor whose intentions group by destination."""

    def __init__(self, calls: Calls, **kwargs: object) -> None:
        super().__init__(calls, **kwargs)  # type: ignore[arg-type]
        self.groups: list[tuple[str, ...]] = []
        self.lock = threading.Lock()

    def group_key(self, change: ResourceChange) -> str | None:
        return change.address.split(":")[-1] if change.kind == "consul_intention" else None

    def write_group(self, changes: Sequence[ResourceChange]) -> list[Written]:
        with self.lock:
            self.groups.append(tuple(c.address for c in changes))
        return [self.write(one) for one in changes]  # a member's failure fails the call

    def delete_group(self, changes: Sequence[ResourceChange]) -> None:
        with self.lock:
            self.groups.append(tuple(f"-{c.address}" for c in changes))
        for one in changes:
            self.delete(one)


@pytest.fixture
def manager(tmp_path: Path) -> KeepingManager:
    return KeepingManager(tmp_path / "ncplan.state.json")


def run(manager: KeepingManager, executor: RecordingExecutor,
        changes: tuple[ResourceChange, ...], hooks: RecordingHooks | None = None,
        **options: object):  # type: ignore[no-untyped-def]
    return apply_plan(Plan(changes=changes), start_state(manager),
                      manager, {kind: executor for kind in KINDS}, hooks=hooks,
                      options=ApplyOptions(**options))  # type: ignore[arg-type]


def seed() -> tuple[ResourceChange, ...]:
    return (change(DB), *(change(a, depends_on=(DB,)) for a in TO_DB), change(TO_CACHE))


def test_steps_of_one_key_ready_together_are_one_call_each_its_own_step(
        manager: KeepingManager) -> None:
    executor = GroupingExecutor(Calls())
    assert isinstance(executor, GroupExecutor)
    hooks = RecordingHooks()
    result = run(manager, executor, seed(), hooks)
    assert result.ok and result.added == 5
    assert executor.groups == [TO_DB]  # the one intention to cache goes alone
    for address in TO_DB:
        assert ("pre", address, "create") in hooks.events
        assert ("post", address, "ok") in hooks.events
    on_disk = manager.on_disk()
    assert on_disk is not None and set(TO_DB) <= set(on_disk.addresses)


def test_a_group_that_fails_fails_each_of_its_steps(manager: KeepingManager) -> None:
    executor = GroupingExecutor(Calls(), behave={TO_DB[1]: fail("entry moved")})
    result = run(manager, executor, seed())
    assert result.failed == tuple(Problem(a, "entry moved") for a in TO_DB)
    on_disk = manager.on_disk()
    assert on_disk is not None and not set(TO_DB) & set(on_disk.addresses)


def test_a_step_blocked_by_a_failure_is_not_taken_along(manager: KeepingManager) -> None:
    """a:db and b:db become ready together (after db), but b:db needs the failed f."""
    executor = GroupingExecutor(Calls(), behave={DB: lambda c: time.sleep(0.2),
                                                 "nomad_job.f": fail("no")})
    changes = (change(DB), change("nomad_job.f"), change(TO_DB[0], depends_on=(DB,)),
               change(TO_DB[1], depends_on=(DB, "nomad_job.f")))
    result = run(manager, executor, changes)
    assert executor.groups == []
    assert result.succeeded == (TO_DB[0], DB)
    assert result.skipped == (Problem(TO_DB[1], "depends on nomad_job.f, which failed"),)


def test_a_group_is_one_request_under_parallelism(manager: KeepingManager) -> None:
    """Parallelism 2: the group of three and one more step run at once."""
    gate = threading.Barrier(2, timeout=5)
    executor = GroupingExecutor(Calls(), behave={TO_DB[0]: lambda c: gate.wait(),
                                                 "nomad_job.other": lambda c: gate.wait()})
    result = run(manager, executor, (*(change(a) for a in TO_DB), change("nomad_job.other")),
                 parallelism=2)
    assert result.ok and executor.groups == [TO_DB]


def test_without_group_support_each_step_is_its_own_call(manager: KeepingManager) -> None:
    calls = Calls()
    result = apply_plan(Plan(changes=seed()), start_state(manager), manager,
                        plain_executors(calls), options=ApplyOptions())
    assert result.ok
    assert sorted(w for w in calls.started_order if "intention" in w) == sorted(
        f"write {a}" for a in (*TO_DB, TO_CACHE))


def test_a_conflict_in_a_group_is_reported_for_each(manager: KeepingManager) -> None:
    def moved(one: ResourceChange) -> None:
        raise CheckAndSetConflict("consul_intention.a:db, consul_intention.b:db, "
                                  "consul_intention.c:db changed since the plan")
    executor = GroupingExecutor(Calls(), behave={TO_DB[0]: moved})
    result = run(manager, executor, tuple(change(a, Action.CREATE) for a in TO_DB))
    assert [p.address for p in result.failed] == list(TO_DB)


def test_deletes_of_one_key_ready_together_are_one_call(manager: KeepingManager) -> None:
    executor = GroupingExecutor(Calls())
    prior = (recorded(DB), *(recorded(a, depends_on=(DB,)) for a in TO_DB))
    changes = (change(DB, Action.DELETE),
               *(change(a, Action.DELETE, depends_on=(DB,)) for a in TO_DB))
    result = apply_plan(Plan(changes=changes), start_state(manager, *prior), manager,
                        {kind: executor for kind in KINDS}, options=ApplyOptions())
    assert result.ok and result.destroyed == 4
    assert executor.groups == [tuple(f"-{a}" for a in TO_DB)]
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == ()


def test_a_write_and_a_delete_of_one_key_are_not_one_group(manager: KeepingManager) -> None:
    executor = GroupingExecutor(Calls())
    result = apply_plan(Plan(changes=(change(TO_DB[0], Action.DELETE), change(TO_DB[1]),
                                      change(TO_DB[2]))),
                        start_state(manager, recorded(TO_DB[0])), manager,
                        {kind: executor for kind in KINDS}, options=ApplyOptions())
    assert result.ok and executor.groups == [TO_DB[1:]]


def test_an_interrupt_announcing_a_member_starts_none_of_the_group(
        manager: KeepingManager) -> None:
    """Ctrl-C raised by the hook that announces the group's second step: no step of the
    group starts, each ends not started, and nothing is recorded."""
    executor = GroupingExecutor(Calls())
    hooks = RecordingHooks()

    def interrupt() -> None:
        raise KeyboardInterrupt

    hooks.on_pre[TO_DB[1]] = interrupt
    result = run(manager, executor, tuple(change(a) for a in TO_DB), hooks)
    assert result.interrupted and executor.groups == []
    assert {p.address for p in result.skipped} == set(TO_DB)
    assert all(p.reason == INTERRUPTED for p in result.skipped)
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == ()
