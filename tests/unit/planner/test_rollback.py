"""The rollback of a failed apply: the pure reverse plan (what is restored, to what, with
which check-and-set index, in which order), the engine's halt on failure, and a failed
apply rolled back through the engine to the state before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from apply_doubles import Calls, KeepingManager, change, executors, fail, start_state

from ncplan.planner.engine import HALTED, ApplyOptions, Problem, apply_plan
from ncplan.planner.model import Action, Adoption, Plan, ResourceChange
from ncplan.planner.rollback import (
    IMPORTED,
    POSSIBLY_APPLIED,
    ROLLBACK_REASON,
    NotRestored,
    rollback_plan,
    with_edges_of,
)
from ncplan.planner.steps import StepKind, plan_steps, recorded_needs, step_key
from ncplan.state.model import ResourceState, State

DB = "nomad_job.db"
WEB = "nomad_job.web"
OTHER = "nomad_job.other"
DEFAULTS = "consul_service_defaults.db"
INTENTION = "consul_intention.web:db"


def record(address: str, version: int, index: int,
           depends_on: tuple[str, ...] = (), **extra: object) -> ResourceState:
    kind, _, name = address.partition(".")
    return ResourceState(address, kind, name, {"Name": name, "v": version}, index,
                         depends_on, **extra)  # type: ignore[arg-type]


def state(*records: ResourceState, serial: int = 3) -> State:
    return State(version=3, ncplan_version="test", serial=serial, lineage="L",
                 resources=tuple(sorted(records, key=lambda r: r.address)))


def forward(*changes: ResourceChange) -> Plan:
    return Plan(changes=changes)


def by_address(changes: tuple[ResourceChange, ...]) -> dict[str, ResourceChange]:
    return {c.address: c for c in changes}


# ---------------------------------------------------------------- the reverse plan


def test_an_update_goes_back_to_the_recorded_body_checked_against_the_index_left() -> None:
    before = state(record(WEB, 1, 10, (DB,)))
    after = state(record(WEB, 2, 17, (DB, INTENTION)))
    undo = rollback_plan(forward(change(WEB, Action.UPDATE, index=10)), before, after)
    (restore,) = undo.changes
    assert restore.action is Action.UPDATE
    assert restore.before == {"Name": "web", "v": 2}
    assert restore.after == {"Name": "web", "v": 1}
    assert restore.observed_index == 17  # what this run left: another writer's fails CAS
    assert restore.depends_on == (DB,)
    assert restore.reason == ROLLBACK_REASON
    assert undo.left == ()


def test_a_created_object_is_deleted_at_the_index_the_run_left() -> None:
    after = state(record(DEFAULTS, 1, 23, (DB,)))
    undo = rollback_plan(forward(change(DEFAULTS)), state(), after)
    (restore,) = undo.changes
    assert (restore.action, restore.observed_index, restore.after) == (Action.DELETE, 23, None)
    assert restore.before == {"Name": "db", "v": 1}
    assert restore.depends_on == (DB,)


def test_a_deleted_object_is_created_again_from_its_record() -> None:
    before = state(record(OTHER, 1, 8, (DB,)), record(INTENTION, 1, 30))
    deletes = forward(change(OTHER, Action.DELETE, index=8),
                      change(INTENTION, Action.DELETE, index=31))
    undo = by_address(rollback_plan(deletes, before, state()).changes)
    assert undo[OTHER].action is Action.CREATE
    assert undo[OTHER].after == {"Name": "other", "v": 1}
    assert undo[OTHER].observed_index == 0  # the job is gone (purged)
    assert undo[OTHER].depends_on == (DB,)
    # an intention is one source of an entry that outlives it: the index its delete used,
    # which the intention executor follows through its own writes
    assert undo[INTENTION].observed_index == 31


def test_what_the_run_did_not_change_is_not_touched() -> None:
    before = state(record(DB, 1, 10), record(WEB, 1, 11))
    changes = forward(change(DB, Action.UPDATE, index=10), change(WEB, Action.UPDATE),
                      change(OTHER))
    undo = rollback_plan(changes, before, before)  # failed, skipped, never started
    assert undo.changes == () and undo.left == ()


def test_a_write_without_an_answer_is_left_and_named() -> None:
    before = state(record(WEB, 1, 10))
    after = state(record(WEB, 1, 10, possibly_applied=True))
    undo = rollback_plan(forward(change(WEB, Action.UPDATE, index=10)), before, after)
    assert undo.changes == ()
    assert undo.left == (NotRestored(WEB, POSSIBLY_APPLIED),)


def test_an_object_the_run_imported_is_kept() -> None:
    imported = ResourceChange(address=WEB, kind="nomad_job", name="web", action=Action.NOOP,
                              before={"Name": "web"}, after={"Name": "web"},
                              observed_index=5, adoption=Adoption.IMPORT)
    undo = rollback_plan(forward(imported), state(), state(record(WEB, 1, 6)))
    assert undo.changes == ()
    assert undo.left == (NotRestored(WEB, IMPORTED),)


def test_the_restores_run_in_reverse_order() -> None:
    """The run created the defaults and then moved db onto them: db goes back first,
    then the defaults go; the run deleted what web needed after web stopped needing it:
    it comes back before web goes back to needing it."""
    before = state(record(DB, 1, 10), record(OTHER, 1, 12), record(WEB, 1, 11, (OTHER,)))
    after = state(record(DB, 2, 20, (DEFAULTS,)), record(DEFAULTS, 1, 19),
                  record(WEB, 2, 21))
    changes = forward(change(DEFAULTS), change(DB, Action.UPDATE, depends_on=(DEFAULTS,)),
                      change(WEB, Action.UPDATE), change(OTHER, Action.DELETE))
    undo = rollback_plan(changes, before, after)
    assert undo.plan.prior_state == after
    steps = plan_steps(undo.plan.actionable, recorded_needs(after.resources))
    assert step_key(StepKind.WRITE, DB) in steps[step_key(StepKind.DELETE, DEFAULTS)].needs
    assert step_key(StepKind.WRITE, OTHER) in steps[step_key(StepKind.WRITE, WEB)].needs


def test_edges_recorded_for_untouched_resources_go_back() -> None:
    original = state(record(DB, 1, 10), record(WEB, 1, 11, (DB,)))
    edged = state(record(DB, 1, 10, (INTENTION,)), record(WEB, 3, 40, (INTENTION,)))
    back = with_edges_of(edged, original, forward(change(WEB, Action.UPDATE)))
    assert back.resource(DB) == record(DB, 1, 10)
    assert back.resource(WEB) == record(WEB, 3, 40, (INTENTION,))  # the run's own


# ---------------------------------------------------------------- through the engine


@pytest.fixture
def manager(tmp_path: Path) -> KeepingManager:
    return KeepingManager(tmp_path / "ncplan.state.json")


def test_halt_on_failure_starts_nothing_more_and_finishes_what_runs(
        manager: KeepingManager) -> None:
    calls = Calls()
    first, slow, later = "nomad_job.a", "nomad_job.b", "nomad_job.c"
    start = start_state(manager)
    slow_down = {slow: lambda c: __import__("time").sleep(0.3), first: fail("refused")}
    result = apply_plan(Plan(changes=(change(first), change(slow), change(later))), start,
                        manager, executors(calls, behave=slow_down),
                        options=ApplyOptions(parallelism=2, halt_on_failure=True))
    assert calls.started_order == [f"write {first}", f"write {slow}"]
    assert result.failed == (Problem(first, "refused"),)
    assert result.succeeded == (slow,)  # the running step finished and was recorded
    assert result.skipped == (Problem(later, HALTED),)
    assert result.state is not None and result.state.addresses == (slow,)
    assert not result.interrupted


def test_without_halt_a_failure_lets_independent_steps_go_on(manager: KeepingManager) -> None:
    calls = Calls()
    result = apply_plan(Plan(changes=(change("nomad_job.a"), change("nomad_job.c"))),
                        start_state(manager), manager,
                        executors(calls, behave={"nomad_job.a": fail("refused")}),
                        options=ApplyOptions(parallelism=1))
    assert result.succeeded == ("nomad_job.c",)


def test_a_failed_apply_rolled_back_through_the_engine_is_the_state_before(
        manager: KeepingManager) -> None:
    calls = Calls()
    before = start_state(manager, record(DB, 1, 10), record(WEB, 1, 11, (DB,)),
                         record(OTHER, 1, 12))
    changes = (change(INTENTION, depends_on=(DB,), body={"Name": "web", "v": 2}),
               change(DB, Action.UPDATE, index=10, body={"Name": "db", "v": 2}),
               change(OTHER, Action.DELETE, index=12),
               change(WEB, Action.UPDATE, index=11, depends_on=(DB, INTENTION)))
    plan = Plan(changes=changes)
    failed = apply_plan(plan, before, manager,
                        executors(calls, behave={WEB: fail("deployment failed")}),
                        options=ApplyOptions(halt_on_failure=True))
    assert failed.failed == (Problem(WEB, "deployment failed"),)
    assert failed.state is not None and failed.state.addresses == (INTENTION, DB, WEB)

    undo = rollback_plan(plan, before, failed.state)
    assert {c.address: c.action for c in undo.changes} == {
        INTENTION: Action.DELETE, DB: Action.UPDATE, OTHER: Action.CREATE}
    restored = apply_plan(undo.plan, failed.state, manager, executors(Calls()))
    assert restored.ok and restored.state is not None

    def without_indexes(found: State) -> list[tuple[object, ...]]:
        return [(r.address, r.kind, r.id, dict(r.attributes), r.dependencies)
                for r in found.resources]

    assert without_indexes(restored.state) == without_indexes(before)
    assert restored.state.serial > failed.state.serial and restored.state.lineage == \
        before.lineage


def test_a_rollback_restores_after_a_failed_restore_it_is_ordered_after(
        manager: KeepingManager) -> None:
    calls = Calls()
    changes = (change(INTENTION, Action.UPDATE), change(WEB, Action.UPDATE,
                                                        depends_on=(INTENTION,)))
    result = apply_plan(Plan(changes=changes), start_state(manager), manager,
                        executors(calls, behave={INTENTION: fail("changed since")}),
                        options=ApplyOptions(skip_after_failure=False))
    assert calls.started_order == [f"write {INTENTION}", f"write {WEB}"]
    assert result.succeeded == (WEB,) and result.skipped == ()
