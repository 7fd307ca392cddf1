"""A write whose answer never came is recorded as possibly applied, and the next refreshed
plan settles it by the ownership mark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from apply_doubles import (
    Calls,
    KeepingManager,
    RecordingHooks,
    change,
    executors,
    start_state,
)
from planner_helpers import live_job, nomad_plan, recorded, resource

from ncplan.errors import NcplanError, ProviderUnreachable
from ncplan.planner.build import NOT_LANDED, PlanRequest, build_plan
from ncplan.planner.engine import apply_plan
from ncplan.planner.model import Action, Adoption, Plan, PlanMode, ResourceChange
from ncplan.planner.reconcile import reconciled, with_possibly_applied
from ncplan.providers.live import LiveJob, Refreshed
from ncplan.resources.ownership import with_job_mark
from ncplan.state.codec import decode, encode
from ncplan.state.model import State

WEB = resource("connect-on-nomad", "nomad_job.web")
OURS = "0b9e8d0e-0000-4000-8000-000000000001"
TIMED_OUT = ProviderUnreachable("cannot reach Nomad (no answer within 10 s); the write may "
                                "have landed", may_have_landed=True)


def crash_with(error: NcplanError) -> Callable[[ResourceChange], None]:
    def behave(change: ResourceChange) -> None:
        raise error
    return behave


def test_a_write_that_timed_out_is_recorded_as_possibly_applied(tmp_path: Path) -> None:
    manager = KeepingManager(tmp_path / "state.json")
    state = start_state(manager)
    plan = Plan(changes=(change("nomad_job.db"),), lineage=state.lineage)
    calls = Calls()
    result = apply_plan(plan, state, manager,
                        executors(calls, behave={"nomad_job.db": crash_with(TIMED_OUT)}),
                        hooks=RecordingHooks())
    assert [p.address for p in result.failed] == ["nomad_job.db"]
    on_disk = manager.on_disk()
    assert on_disk is not None
    entry = on_disk.resource("nomad_job.db")
    assert entry is not None and entry.possibly_applied and entry.observed_index == 0


def test_a_refused_write_is_not_recorded(tmp_path: Path) -> None:
    manager = KeepingManager(tmp_path / "state.json")
    state = start_state(manager)
    plan = Plan(changes=(change("nomad_job.db"),), lineage=state.lineage)
    refused = ProviderUnreachable("cannot reach Nomad (connection refused)")
    apply_plan(plan, state, manager,
               executors(Calls(), behave={"nomad_job.db": crash_with(refused)}),
               hooks=RecordingHooks())
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.resources == ()


def test_the_mark_survives_the_state_file() -> None:
    state = with_possibly_applied(State.new(lineage=OURS), [change("nomad_job.db")])
    again = decode(encode(state), "test")
    entry = again.resource("nomad_job.db")
    assert entry is not None and entry.possibly_applied
    plain = decode(encode(State.new([recorded(WEB, 3)], lineage=OURS)), "test")
    assert b"possibly_applied" not in encode(plain)


def _job(lineage: str | None) -> LiveJob:
    live = live_job("job_web_live")
    body: dict[str, Any] = dict(live.body)
    return replace(live, body=with_job_mark(body, lineage) if lineage else body)


def _plan(job: LiveJob | None, state: State, mode: PlanMode = PlanMode.NORMAL) -> Plan:
    refreshed = Refreshed(jobs={"web": job}, plans={"web": nomad_plan("plan_web_unchanged",
                                                                      "web")})
    return build_plan(PlanRequest(desired=(WEB,), state=state, refreshed=refreshed,
                                  mode=mode, lineage=OURS))


def _pending_create() -> State:
    return with_possibly_applied(State.new(lineage=OURS), [
        replace(change("nomad_job.web"), after=dict(WEB.body), depends_on=WEB.depends_on)])


def test_a_possibly_applied_create_that_landed_is_recorded_at_its_live_index() -> None:
    live = _job(OURS)
    plan = _plan(live, _pending_create())
    assert plan.changes[0].action is Action.NOOP and plan.drift == ()
    state = reconciled(plan, _pending_create(), frozenset())
    assert state is not None
    entry = state.resource("nomad_job.web")
    assert entry is not None and not entry.possibly_applied
    assert entry.observed_index == live.modify_index


def test_a_possibly_applied_create_that_did_not_land_is_created() -> None:
    plan = _plan(None, _pending_create())
    assert (plan.changes[0].action, plan.changes[0].reason) == (Action.CREATE, NOT_LANDED)


def test_an_object_there_without_our_mark_is_not_taken_for_the_create() -> None:
    plan = _plan(_job(None), _pending_create())
    assert plan.changes[0].adoption is Adoption.IMPORT  # shown, never silently ours
    destroy = _plan(_job(None), _pending_create(), PlanMode.DESTROY)
    assert destroy.changes == () and destroy.forgotten == ("nomad_job.web",)
