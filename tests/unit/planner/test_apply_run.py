"""The apply engine over recording executors: order, parallelism, skip on failure, state
after every step, rollouts, and interrupts injected from a hook."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from apply_doubles import (
    Calls,
    KeepingManager,
    RecordingHooks,
    change,
    executors,
    fail,
    recorded,
    start_state,
)

from ncplan.errors import ApplyError, NcplanError, StateError
from ncplan.planner.engine import INTERRUPTED, ApplyOptions, Problem, apply_plan
from ncplan.planner.hooks import ApplyHooks, ResourceOutcome
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.state import journal
from ncplan.state.model import Edits, State

DB = "nomad_job.db"
DB_DEFAULTS = "consul_service_defaults.db"
INTENTION = "consul_intention.web:db"
WEB = "nomad_job.web"
OTHER = "nomad_job.other"


def seed_changes(action: Action = Action.CREATE) -> tuple[ResourceChange, ...]:
    """The seed guide's shape: db's job and defaults, the intention to db, web."""
    return (change(DB, action), change(DB_DEFAULTS, action),
            change(INTENTION, action, depends_on=(DB, DB_DEFAULTS)),
            change(WEB, action, depends_on=(INTENTION,)))


@pytest.fixture
def manager(tmp_path: Path) -> KeepingManager:
    return KeepingManager(tmp_path / "ncplan.state.json")


def run(manager: KeepingManager, calls: Calls, changes: tuple[ResourceChange, ...], *,
        hooks: ApplyHooks | None = None, prior: tuple = (), **kwargs: object):  # type: ignore[no-untyped-def]
    state = start_state(manager, *prior)
    options = kwargs.pop("options", ApplyOptions())
    return apply_plan(Plan(changes=changes), state, manager,
                      executors(calls, **kwargs), hooks=hooks, options=options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- order


def test_creates_go_in_dependency_order(manager: KeepingManager) -> None:
    calls = Calls()
    result = run(manager, calls, seed_changes())
    assert result.ok and (result.added, result.changed, result.destroyed) == (4, 0, 0)
    for first, then in [(DB, INTENTION), (DB_DEFAULTS, INTENTION), (INTENTION, WEB)]:
        assert calls.ended_before_started(f"write {first}", f"write {then}")


def test_deletes_go_in_reverse_order_and_leave_the_state(manager: KeepingManager) -> None:
    calls = Calls()
    prior = (recorded(DB), recorded(DB_DEFAULTS), recorded(INTENTION, depends_on=(DB,)),
             recorded(WEB, depends_on=(INTENTION,)))
    result = run(manager, calls, seed_changes(Action.DELETE), prior=prior)
    assert result.ok and result.destroyed == 4
    for first, then in [(WEB, INTENTION), (INTENTION, DB), (INTENTION, DB_DEFAULTS)]:
        assert calls.ended_before_started(f"delete {first}", f"delete {then}")
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.resources == ()


def test_a_replace_deletes_in_reverse_then_creates_forward(manager: KeepingManager) -> None:
    calls = Calls()
    changes = (change(DB, Action.REPLACE, index=7),
               change(WEB, Action.REPLACE, depends_on=(DB,), index=8))
    result = run(manager, calls, changes, prior=(recorded(DB), recorded(WEB, depends_on=(DB,))))
    assert calls.started_order == [f"delete {WEB}", f"delete {DB}", f"write {DB}",
                                   f"write {WEB}"]
    assert (result.added, result.changed, result.destroyed) == (2, 0, 2)
    assert result.succeeded == (DB, WEB)


def test_a_replace_creates_with_index_zero_and_an_update_waits_for_it(
        manager: KeepingManager) -> None:
    calls = Calls()
    seen: dict[str, int] = {}

    def note(c: ResourceChange) -> None:
        seen[f"{c.action.value} {c.address}"] = c.observed_index

    changes = (change(DB, Action.REPLACE, index=7), change(WEB, Action.UPDATE,
                                                           depends_on=(DB,), index=8))
    run(manager, calls, changes, prior=(recorded(DB), recorded(WEB)),
        behave={DB: note, WEB: note})
    assert seen == {f"delete {DB}": 7, f"create {DB}": 0, f"update {WEB}": 8}
    assert calls.started_order == [f"delete {DB}", f"write {DB}", f"write {WEB}"]


def test_no_op_changes_are_not_executed(manager: KeepingManager) -> None:
    calls = Calls()
    result = run(manager, calls, (change(DB, Action.NOOP), change(WEB, Action.UPDATE)))
    assert calls.started_order == [f"write {WEB}"]
    assert result.succeeded == (WEB,) and (result.added, result.changed) == (0, 1)


# ---------------------------------------------------------------- parallelism


def test_at_most_parallelism_steps_run_at_once(manager: KeepingManager) -> None:
    calls = Calls()
    changes = tuple(change(f"nomad_job.j{i}") for i in range(9))
    result = run(manager, calls, changes, delay=0.05, options=ApplyOptions(parallelism=3))
    assert result.ok and len(result.succeeded) == 9
    assert calls.max_in_flight == 3


def test_independent_branches_run_concurrently(manager: KeepingManager) -> None:
    """Each of two independent writes waits for the other to have started: a serial
    engine would time out the barrier."""
    calls = Calls()
    barrier = threading.Barrier(2, timeout=5)

    def meet(_: ResourceChange) -> None:
        barrier.wait()

    result = run(manager, calls, (change(DB), change(OTHER)), behave={DB: meet, OTHER: meet},
                 options=ApplyOptions(parallelism=2))
    assert result.ok, result.failed


def test_parallelism_below_one_is_refused(manager: KeepingManager) -> None:
    with pytest.raises(NcplanError, match="parallelism must be 1 or more"):
        run(manager, Calls(), seed_changes(), options=ApplyOptions(parallelism=0))


# ---------------------------------------------------------------- failure


def test_a_failed_dependency_skips_its_dependents_and_others_go_on(
        manager: KeepingManager) -> None:
    calls = Calls()
    hooks = RecordingHooks()
    conflict = "nomad_job.db changed since the plan (index 41 -> 45); run plan again"
    result = run(manager, calls, (*seed_changes(), change(OTHER)), hooks=hooks,
                 behave={DB: fail(conflict)})
    assert result.failed == (Problem(DB, conflict),)
    assert result.skipped == (Problem(INTENTION, f"depends on {DB}, which failed"),
                              Problem(WEB, f"depends on {DB}, which failed"))
    assert result.succeeded == (DB_DEFAULTS, OTHER)
    assert f"write {INTENTION}" not in calls.started_order
    assert f"write {WEB}" not in calls.started_order
    assert ("skipped", WEB, f"depends on {DB}, which failed") in hooks.events
    assert ("post", DB, conflict) in hooks.events
    assert not result.ok and (result.added, result.changed, result.destroyed) == (2, 0, 0)


def test_a_failed_delete_keeps_what_it_depends_on(manager: KeepingManager) -> None:
    calls = Calls()
    prior = (recorded(DB), recorded(WEB, depends_on=(DB,)))
    result = run(manager, calls, (change(DB, Action.DELETE), change(WEB, Action.DELETE,
                                                                    depends_on=(DB,))),
                 prior=prior, behave={WEB: fail("no")})
    assert calls.started_order == [f"delete {WEB}"]
    assert result.skipped == (Problem(DB, f"depends on {WEB}, which failed"),)
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DB, WEB)


def test_a_replace_whose_delete_failed_is_not_created(manager: KeepingManager) -> None:
    calls = Calls()
    result = run(manager, calls, (change(DB, Action.REPLACE, index=3),), prior=(recorded(DB),),
                 behave={DB: fail("gone wrong")})
    assert calls.started_order == [f"delete {DB}"]
    assert result.failed == (Problem(DB, "gone wrong"),) and result.skipped == ()


# ---------------------------------------------------------------- state after every step


def test_each_success_is_in_the_state_before_the_next_step_starts(
        manager: KeepingManager) -> None:
    calls = Calls()
    seen_on_disk: dict[str, tuple[str, ...]] = {}

    def look(c: ResourceChange) -> None:
        state = manager.on_disk()
        seen_on_disk[c.address] = state.addresses if state else ()

    result = run(manager, calls, seed_changes(), behave={INTENTION: look, WEB: look},
                 options=ApplyOptions(parallelism=1))
    assert result.ok
    assert set(seen_on_disk[INTENTION]) == {DB, DB_DEFAULTS}
    assert set(seen_on_disk[WEB]) == {DB, DB_DEFAULTS, INTENTION}
    # one persisted write per success, serial up by one each
    assert [s.serial for s in manager.persisted] == [2, 3, 4, 5]
    final = manager.on_disk()
    assert final is not None and final.serial == 5 and result.state == final
    web = final.resource(WEB)
    assert web is not None and web.observed_index == 100 and web.dependencies == (INTENTION,)


class SlowWrites(KeepingManager):
    """A state write that takes a while, as a large state's does."""

    def write(self, state: State, *, edits: Edits | None = None) -> None:
        time.sleep(0.05)
        super().write(state, edits=edits)


def test_steps_finishing_during_a_write_share_the_next_one(tmp_path: Path) -> None:
    """Group commit: N steps do not cost N whole-state writes, and still every step is on
    disk before its post_apply hook says it is done."""
    manager = SlowWrites(tmp_path / "ncplan.state.json")
    changes = tuple(change(f"nomad_job.s{i:02}") for i in range(20))
    missing: list[str] = []

    class Checking(RecordingHooks):
        def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
            state = manager.on_disk()
            if state is None or change.address not in state.addresses:
                missing.append(change.address)

    result = run(manager, Calls(), changes, hooks=Checking(), delay=0.01,
                 options=ApplyOptions(parallelism=10))
    assert result.ok and result.added == 20 and missing == []
    final = manager.on_disk()
    assert final is not None and len(final.resources) == 20
    assert 1 < len(manager.persisted) < 20  # serial went up once per write, not per step
    assert final.serial == 1 + len(manager.persisted)


def test_a_failure_half_way_leaves_the_successes_recorded(manager: KeepingManager) -> None:
    calls = Calls()
    result = run(manager, calls, seed_changes(), behave={INTENTION: fail("lost")})
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DB_DEFAULTS, DB)
    assert on_disk.serial == 3 and result.failed == (Problem(INTENTION, "lost"),)


def test_a_second_apply_picks_up_where_the_first_stopped(manager: KeepingManager) -> None:
    first = run(manager, Calls(), seed_changes(), behave={INTENTION: fail("lost")})
    assert first.state is not None
    # the next plan only holds what is left; it starts from the recorded state
    calls = Calls()
    left = (change(INTENTION, depends_on=(DB, DB_DEFAULTS)), change(WEB, depends_on=(INTENTION,)))
    second = apply_plan(Plan(changes=left), first.state, manager, executors(calls))
    assert second.ok and calls.started_order == [f"write {INTENTION}", f"write {WEB}"]
    final = manager.on_disk()
    assert final is not None and set(final.addresses) == {DB, DB_DEFAULTS, INTENTION, WEB}


# ---------------------------------------------------------------- rollouts


def rollout(status: str, reason: str = "") -> object:
    asked: list[tuple[str, int]] = []

    def wait(c: ResourceChange, index: int, hooks: ApplyHooks,
             stop: threading.Event) -> DeploymentProgress:
        asked.append((c.address, index))
        progress = DeploymentProgress(c.name, status, desired=1, placed=1, reason=reason)
        hooks.deployment_progress(c, progress)
        return progress

    wait.asked = asked  # type: ignore[attr-defined]
    return wait


def test_a_failed_rollout_fails_the_job_skips_dependents_and_records_it(
        manager: KeepingManager) -> None:
    reason = "Driver Failure: failed to launch command with executor"
    wait = rollout("failed", reason)
    hooks = RecordingHooks()
    changes = (change(DB), change(WEB, depends_on=(DB,)), change(DB_DEFAULTS))
    result = run(manager, Calls(), changes, hooks=hooks,
                 options=ApplyOptions(wait_for_rollout=wait))  # type: ignore[arg-type]
    assert result.failed == (Problem(DB, reason),)
    assert result.skipped == (Problem(WEB, f"depends on {DB}, which failed"),)
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DB_DEFAULTS, DB)
    assert wait.asked == [(DB, 100)]  # type: ignore[attr-defined]
    assert [p.status for p in hooks.progress] == ["failed"]


def test_no_wait_does_not_follow_rollouts(manager: KeepingManager) -> None:
    wait = rollout("failed", "never asked")
    result = run(manager, Calls(), (change(DB),),
                 options=ApplyOptions(wait=False, wait_for_rollout=wait))  # type: ignore[arg-type]
    assert result.ok and wait.asked == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------- interrupts


def test_an_interrupt_starts_nothing_new_and_records_what_finished(
        manager: KeepingManager) -> None:
    """Ctrl-C arrives (KeyboardInterrupt in the engine's thread, raised here by the hook
    the engine calls before starting db) while db's defaults are being written: they
    finish and are recorded, nothing else starts."""
    calls = Calls()
    hooks = RecordingHooks()
    release = threading.Event()

    def slow(_: ResourceChange) -> None:
        assert release.wait(5)

    def interrupt() -> None:
        threading.Timer(0.2, release.set).start()
        raise KeyboardInterrupt

    hooks.on_pre[DB] = interrupt
    result = run(manager, calls, seed_changes(), hooks=hooks, behave={DB_DEFAULTS: slow},
                 options=ApplyOptions(parallelism=2))
    assert result.interrupted and not result.ok
    assert calls.started_order == [f"write {DB_DEFAULTS}"]
    assert result.succeeded == (DB_DEFAULTS,)
    assert {p.address for p in result.skipped} == {DB, INTENTION, WEB}
    assert all(p.reason == INTERRUPTED for p in result.skipped)
    assert ("skipped", WEB, INTERRUPTED) in hooks.events
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DB_DEFAULTS,)


def test_a_second_interrupt_stops_at_once_with_a_readable_state(
        manager: KeepingManager) -> None:
    """First interrupt before OTHER starts; the second while db is still running: the
    engine raises without waiting for db; what finished before is in the state, and db,
    whose write was sent and not answered, is recorded as possibly applied (the next
    plan settles it by the ownership mark)."""
    calls = Calls()
    hooks = RecordingHooks()
    release = threading.Event()

    def slow(_: ResourceChange) -> None:
        release.wait(5)

    hooks.on_pre[OTHER] = _raise
    hooks.on_post[DB_DEFAULTS] = _raise
    changes = (change(DB), change(DB_DEFAULTS), change(OTHER))
    try:
        with pytest.raises(KeyboardInterrupt):
            run(manager, calls, changes, hooks=hooks, behave={DB: slow},
                options=ApplyOptions(parallelism=3))
        assert not release.is_set() and calls.in_flight == 1  # db still running
    finally:
        release.set()
    on_disk = manager.on_disk()
    assert on_disk is not None and set(on_disk.addresses) == {DB, DB_DEFAULTS}
    db = on_disk.resource(DB)
    assert db is not None and db.possibly_applied
    defaults = on_disk.resource(DB_DEFAULTS)
    assert defaults is not None and not defaults.possibly_applied
    assert f"write {OTHER}" not in calls.started_order


def _raise() -> None:
    raise KeyboardInterrupt


def test_an_interrupt_while_recording_a_result_loses_nothing(manager: KeepingManager) -> None:
    """The interrupt lands in post_apply (after the state write, before the engine forgot
    the step): the step stays recorded once and the run ends interrupted."""
    hooks = RecordingHooks()
    hooks.on_post[DB] = _raise
    calls = Calls()
    result = run(manager, calls, (change(DB), change(WEB, depends_on=(DB,))), hooks=hooks)
    assert result.interrupted and result.succeeded == (DB,)
    assert [e for e in hooks.events if e[0] == "post"] == [("post", DB, "ok")]
    assert result.skipped == (Problem(WEB, INTERRUPTED),)
    assert [s.serial for s in manager.persisted] == [2]


def test_an_unexpected_error_fails_that_resource_and_the_others_go_on(
        manager: KeepingManager) -> None:
    def boom(_: ResourceChange) -> None:
        raise RuntimeError("boom")

    result = run(manager, Calls(), (change(DB), change(WEB, depends_on=(DB,)), change(OTHER)),
                 behave={DB: boom})
    assert result.failed == (Problem(DB, "internal error: RuntimeError: boom"),)
    assert result.skipped == (Problem(WEB, f"depends on {DB}, which failed"),)
    assert result.succeeded == (OTHER,)


def test_a_rollout_watcher_bug_keeps_the_registration_recorded(manager: KeepingManager) -> None:
    def broken(c: ResourceChange, index: int, hooks: ApplyHooks,
               stop: threading.Event) -> DeploymentProgress:
        raise KeyError("Allocations")

    result = run(manager, Calls(), (change(DB),), options=ApplyOptions(wait_for_rollout=broken))
    assert result.failed == (Problem(DB, "internal error: KeyError: 'Allocations'"),)
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DB,)


def test_a_state_that_cannot_be_written_stops_the_apply_naming_what_was_applied(
        manager: KeepingManager) -> None:
    persist = manager.persist
    writes = iter([True, False])

    def failing() -> State | None:
        if next(writes, False):
            return persist()
        raise StateError("ncplan.state.json: No space left on device")

    state = start_state(manager)
    manager.persist = failing  # type: ignore[method-assign]
    calls = Calls()
    with pytest.raises(ApplyError) as raised:
        apply_plan(Plan(changes=seed_changes()), state, manager, executors(calls),
                   options=ApplyOptions(parallelism=1))
    assert raised.value.message == ("the apply stopped: ncplan.state.json: No space left on "
                                    "device")
    assert raised.value.partial == (DB_DEFAULTS,)
    assert calls.started_order == [f"write {DB_DEFAULTS}", f"write {DB}"]


# ---------------------------------------------------------------- a deleted job's stop


DENY = "consul_intention.ALL:db"


def stop_waiter(calls: Calls, reason: str | None = None) -> object:
    def stopped(c: ResourceChange, stop: threading.Event) -> str | None:
        calls.started(f"stopped {c.address}")
        time.sleep(0.1)
        calls.ended(f"stopped {c.address}")
        return reason

    return stopped


def test_a_deny_is_deleted_only_once_the_jobs_allocations_stopped(
        manager: KeepingManager) -> None:
    calls = Calls()
    prior = (recorded(DB, depends_on=(DENY,)), recorded(DENY))
    changes = (change(DB, Action.DELETE, depends_on=(DENY,)), change(DENY, Action.DELETE))
    result = run(manager, calls, changes, prior=prior,
                 options=ApplyOptions(wait_for_stop=stop_waiter(calls)))  # type: ignore[arg-type]
    assert result.ok and result.destroyed == 2
    assert calls.started_order == [f"delete {DB}", f"stopped {DB}", f"delete {DENY}"]
    assert calls.ended_before_started(f"stopped {DB}", f"delete {DENY}")


def test_allocations_that_do_not_stop_fail_the_delete_and_keep_the_deny(
        manager: KeepingManager) -> None:
    calls = Calls()
    prior = (recorded(DB, depends_on=(DENY,)), recorded(DENY))
    changes = (change(DB, Action.DELETE, depends_on=(DENY,)), change(DENY, Action.DELETE))
    reason = "deregistered, but 1 allocation(s) still running after 5m"
    result = run(manager, calls, changes, prior=prior,
                 options=ApplyOptions(wait_for_stop=stop_waiter(calls, reason)))  # type: ignore[arg-type]
    assert result.failed == (Problem(DB, reason),)
    assert result.skipped == (Problem(DENY, f"depends on {DB}, which failed"),)
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (DENY, DB)


def test_no_wait_does_not_wait_for_a_deleted_jobs_allocations(manager: KeepingManager) -> None:
    calls = Calls()
    result = run(manager, calls, (change(DB, Action.DELETE),), prior=(recorded(DB),),
                 options=ApplyOptions(wait=False, wait_for_stop=stop_waiter(calls)))  # type: ignore[arg-type]
    assert result.ok and calls.started_order == [f"delete {DB}"]


def test_a_step_error_quoting_a_secret_shows_it_nowhere(manager: KeepingManager) -> None:
    """Nomad and Consul quote what they were sent: the step's error is shown (its line,
    the result, the hooks) with the configuration's sensitive values hidden."""
    calls = Calls()
    hooks = RecordingHooks()
    quoted = "error parsing regexp: missing closing ): `(hunter2`"
    result = run(manager, calls, seed_changes(), hooks=hooks, behave={DB: fail(quoted)},
                 options=ApplyOptions(secrets=frozenset({"hunter2"})))
    shown = "error parsing regexp: missing closing ): `((sensitive value)`"
    assert result.failed == (Problem(DB, shown),)
    assert ("post", DB, shown) in hooks.events


class EditsKept(KeepingManager):
    """Keeps each write's state and the edits the engine handed with it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes: list[tuple[State, Edits | None]] = []

    def write(self, state: State, *, edits: Edits | None = None) -> None:
        self.writes.append((state, edits))
        super().write(state, edits=edits)


def test_each_state_write_comes_with_the_edits_that_made_it(tmp_path: Path) -> None:
    """The journal records a step from the engine's edits (not by comparing two whole
    states, O(N) a step): each write's edits are what turned the state before into it."""
    manager = EditsKept(tmp_path / "ncplan.state.json")
    prior = (recorded(OTHER), recorded("nomad_job.old"))
    changes = (*seed_changes(), change(OTHER, Action.UPDATE),
               change("nomad_job.old", Action.DELETE))
    result = run(manager, Calls(), changes, prior=prior)
    assert result.ok and manager.writes
    for state, edits in manager.writes:
        assert edits is not None
        assert journal.change_of(edits.base, state, edits) is not None
