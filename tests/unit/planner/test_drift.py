"""Drift: live differs from the state (changed, stopped, deleted outside ncplan), and
``--refresh-only``."""

from __future__ import annotations

from planner_helpers import (
    live_intentions,
    live_job,
    nomad_plan,
    recorded,
    resource,
    state_of,
    with_body,
)

from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.drift import find_drift
from ncplan.planner.model import Action, PlanMode
from ncplan.providers.live import Refreshed

WEB = resource("connect-on-nomad", "nomad_job.web")
FRONTEND_API = resource("envoy-mesh", "consul_intention.frontend:api")
APPLIED = live_job("job_web_live").modify_index  # what apply recorded


def edited_refresh() -> Refreshed:
    return Refreshed(jobs={"web": live_job("job_web_edited_live")},
                     plans={"web": nomad_plan("drift_plan_web_edited", "web")},
                     drift_plans={"web": nomad_plan("drift_plan_web_edited", "web")})


def test_job_run_outside_ncplan_is_drift_with_nomads_plan() -> None:
    state = state_of([recorded(WEB, APPLIED)])
    (drift,) = find_drift(state, edited_refresh())
    assert (drift.address, drift.action) == ("nomad_job.web", Action.UPDATE)
    assert drift.nomad_plan is not None and drift.nomad_plan.diff_type == "Edited"
    env = drift.after["TaskGroups"][0]["Tasks"][0]["Env"]  # type: ignore[index]
    assert env == {"DATABASE_URL": "postgresql://elsewhere/db"}
    assert drift.before == dict(WEB.body)


def test_job_left_alone_has_no_drift() -> None:
    state = state_of([recorded(WEB, APPLIED)])
    assert find_drift(state, Refreshed(jobs={"web": live_job("job_web_live")})) == ()


def test_job_stopped_outside_is_drift_and_plans_as_update() -> None:
    stopped = live_job("job_web_stopped_live")
    refreshed = Refreshed(jobs={"web": stopped},
                          plans={"web": nomad_plan("plan_web_stopped", "web")})
    plan = build_plan(PlanRequest(desired=(WEB,), state=state_of([recorded(WEB, APPLIED)]),
                                  refreshed=refreshed))
    (drift,) = plan.drift
    assert (drift.action, drift.reason) == (Action.UPDATE, "stopped outside ncplan")
    assert plan.changes[0].action is Action.UPDATE


def test_job_deleted_outside_is_drift_and_plans_as_create() -> None:
    plan = build_plan(PlanRequest(desired=(WEB,), state=state_of([recorded(WEB, APPLIED)]),
                                  refreshed=Refreshed(jobs={"web": None})))
    (drift,) = plan.drift
    assert (drift.action, drift.after, drift.reason) == (Action.DELETE, None,
                                                         "deleted outside ncplan")
    assert plan.changes[0].action is Action.CREATE


def test_intention_drift_ignores_foreign_sources_and_sees_managed_keys() -> None:
    live = live_intentions("intentions_api_live")
    kept = state_of([recorded(FRONTEND_API, live.modify_index)])
    assert find_drift(kept, Refreshed(intentions={"api": live})) == ()
    other = with_body(FRONTEND_API, Permissions=[{"Action": "deny"}])
    (drift,) = find_drift(state_of([recorded(other, 1)]), Refreshed(intentions={"api": live}))
    assert drift.action is Action.UPDATE
    assert drift.after == {k: v for k, v in FRONTEND_API.body.items()}


def test_refresh_only_plans_no_change_and_the_state_to_write() -> None:
    db = resource("connect-on-nomad", "nomad_job.db")
    state = state_of([recorded(WEB, APPLIED), recorded(db, 5)])
    refreshed = Refreshed(jobs={"web": live_job("job_web_edited_live"), "db": None},
                          drift_plans={"web": nomad_plan("drift_plan_web_edited", "web")})
    plan = build_plan(PlanRequest(desired=(WEB, db), state=state, refreshed=refreshed,
                                  mode=PlanMode.REFRESH_ONLY))
    assert plan.changes == ()
    assert {d.address: d.action for d in plan.drift} == {"nomad_job.web": Action.UPDATE,
                                                         "nomad_job.db": Action.DELETE}
    assert not plan.is_empty()
    written = plan.next_state
    assert written is not None and written.lineage == state.lineage
    assert written.addresses == ("nomad_job.web",)
    web = written.resource("nomad_job.web")
    assert web is not None
    assert web.observed_index == live_job("job_web_edited_live").modify_index
    assert web.attributes["TaskGroups"][0]["Tasks"][0]["Env"] == {
        "DATABASE_URL": "postgresql://elsewhere/db"}
    assert "Namespace" not in web.attributes  # only what ncplan manages is recorded
