"""Every action of the diff, against the jobs and entries the real agents answered."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from planner_helpers import (
    answer,
    live_defaults,
    live_intentions,
    live_job,
    nomad_plan,
    recorded,
    resource,
    state_of,
    with_body,
)

from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.diff import ADOPTED, DELETED, RAW_OFFLINE, STOPPED, diff_resource, differs
from ncplan.planner.model import Action
from ncplan.providers.live import Refreshed
from ncplan.resources.plain import plain

WEB = resource("connect-on-nomad", "nomad_job.web")
API = resource("envoy-mesh", "nomad_job.api")


def web_refreshed(**overrides: object) -> Refreshed:
    fields: dict[str, object] = {"jobs": {"web": live_job("job_web_live")},
                                 "plans": {"web": nomad_plan("plan_web_unchanged", "web")}}
    fields.update(overrides)
    return Refreshed(**fields)  # type: ignore[arg-type]


def test_unchanged_job_is_a_no_op_and_shows_no_server_field() -> None:
    live = live_job("job_web_live")
    change = diff_resource(WEB, recorded(WEB, live.modify_index), web_refreshed())
    assert change.action is Action.NOOP
    # Nomad answered with Namespace, Region, Update, Restart..., indexes, Status...:
    assert {"Namespace", "Region", "JobModifyIndex", "Status"} <= set(live.body)
    assert change.before == change.after == dict(WEB.body)
    assert change.observed_index == live.modify_index > 0
    assert change.reason == ""


def test_envoy_job_hides_the_sidecar_task_and_ports_nomad_injects() -> None:
    live = live_job("job_api_live")
    refreshed = Refreshed(jobs={"api": live}, plans={"api": nomad_plan("plan_api_unchanged",
                                                                        "api")})
    tasks = [t["Name"] for t in live.body["TaskGroups"][0]["Tasks"]]
    assert len(tasks) > len(API.body["TaskGroups"][0]["Tasks"])  # connect-proxy-api injected
    change = diff_resource(API, recorded(API, live.modify_index), refreshed)
    assert change.action is Action.NOOP
    assert change.before == change.after


def test_nomad_diff_edited_is_an_update_carrying_nomads_plan() -> None:
    plan = nomad_plan("plan_web_count", "web")
    assert plan.diff_type == "Edited"
    group = dict(WEB.body["TaskGroups"][0], Count=2)
    counted = with_body(WEB, TaskGroups=[group])
    change = diff_resource(counted, recorded(WEB, 7), web_refreshed(plans={"web": plan}))
    assert change.action is Action.UPDATE
    assert change.nomad_plan is plan
    assert change.before["TaskGroups"][0]["Count"] == 1
    assert change.after["TaskGroups"][0]["Count"] == 2


def test_absent_job_is_created() -> None:
    change = diff_resource(WEB, None, Refreshed())
    assert (change.action, change.before, change.reason) == (Action.CREATE, None, "")
    assert change.after == dict(WEB.body)
    assert change.observed_index == 0


def test_job_deleted_outside_is_created_again() -> None:
    change = diff_resource(WEB, recorded(WEB, 9), Refreshed(jobs={"web": None}))
    assert (change.action, change.reason) == (Action.CREATE, DELETED)


@pytest.mark.parametrize(("field", "value"), [("Type", "batch"), ("Namespace", "other")])
def test_type_or_namespace_change_replaces(field: str, value: str) -> None:
    change = diff_resource(with_body(WEB, **{field: value}), recorded(WEB, 1), web_refreshed())
    assert change.action is Action.REPLACE
    assert change.replace_paths == (field,)
    assert f"{field.lower()} changes" in change.reason


def test_job_stopped_outside_is_started_again() -> None:
    live = live_job("job_web_stopped_live")
    assert live.stopped
    refreshed = Refreshed(jobs={"web": live},
                          plans={"web": nomad_plan("plan_web_stopped", "web")})
    change = diff_resource(WEB, recorded(WEB, 1), refreshed)
    assert (change.action, change.reason) == (Action.UPDATE, STOPPED)


def test_live_job_missing_from_the_state_is_adopted() -> None:
    change = diff_resource(WEB, None, web_refreshed())
    assert change.action is Action.NOOP
    assert change.reason == ADOPTED.format(where="Nomad")


def test_job_in_state_not_in_configuration_is_deleted() -> None:
    live = live_job("job_web_live")
    plan = build_plan(PlanRequest(desired=(), state=state_of([recorded(WEB, 1)]),
                                  refreshed=web_refreshed()))
    change = plan.change("nomad_job.web")
    assert change is not None
    assert change.action is Action.DELETE
    assert change.before == dict(WEB.body)
    assert change.observed_index == live.modify_index
    assert plan.apply_order == (("nomad_job.web",),)


def test_resource_gone_live_and_from_configuration_needs_no_delete() -> None:
    plan = build_plan(PlanRequest(desired=(), state=state_of([recorded(WEB, 1)]),
                                  refreshed=Refreshed(jobs={"web": None})))
    assert plan.changes == ()
    assert [d.address for d in plan.drift] == ["nomad_job.web"]


FRONTEND_API = resource("envoy-mesh", "consul_intention.frontend:api")


def test_intention_next_to_a_foreign_source_consul_sorted_first_is_unchanged() -> None:
    live = live_intentions("intentions_api_live")
    assert [s["Name"] for s in live.sources] == ["admin", "frontend"]  # not ours alone
    refreshed = Refreshed(intentions={"api": live})
    change = diff_resource(FRONTEND_API, recorded(FRONTEND_API, 1), refreshed)
    assert change.action is Action.NOOP
    assert change.observed_index == live.modify_index


def test_intention_consul_moved_by_precedence_is_unchanged() -> None:
    live = live_intentions("intentions_db_live")  # written [* -> db, api -> db]
    assert [s["Name"] for s in live.sources] == ["api", "*"]
    api_db = resource("envoy-mesh", "consul_intention.api:db")
    change = diff_resource(api_db, recorded(api_db, 1), Refreshed(intentions={"db": live}))
    assert change.action is Action.NOOP


def test_changed_intention_is_an_update_and_a_missing_one_a_create() -> None:
    refreshed = Refreshed(intentions={"api": live_intentions("intentions_api_live")})
    denied = with_body(FRONTEND_API, Permissions=[{"Action": "deny"}])
    assert diff_resource(denied, None, refreshed).action is Action.UPDATE
    missing = Refreshed(intentions={"api": None})
    assert diff_resource(FRONTEND_API, None, missing).action is Action.CREATE


DEFAULTS = resource("envoy-mesh", "consul_service_defaults.api")


def test_service_defaults_compare_only_the_keys_ncplan_sets() -> None:
    live = live_defaults("service_defaults_api_live")
    assert "ModifyIndex" in live.body
    refreshed = Refreshed(service_defaults={"api": live})
    assert diff_resource(DEFAULTS, recorded(DEFAULTS, 1), refreshed).action is Action.NOOP
    grpc = with_body(DEFAULTS, Protocol="grpc")
    change = diff_resource(grpc, recorded(DEFAULTS, 1), refreshed)
    assert change.action is Action.UPDATE
    assert change.before == {**grpc.body, "Protocol": "http"}


def test_without_refresh_the_state_is_the_reference() -> None:
    state = state_of([recorded(WEB, 4)])
    plan = build_plan(PlanRequest(desired=(WEB,), state=state))
    assert not plan.read_live
    assert [c.action for c in plan.changes] == [Action.NOOP]
    edited = with_body(WEB, Meta={"team": "db"})
    change = build_plan(PlanRequest(desired=(edited,), state=state)).changes[0]
    assert (change.action, change.observed_index) == (Action.UPDATE, 4)


def test_raw_job_diffs_nomads_parsed_job_when_refreshed() -> None:
    raw = resource("connect-on-nomad-raw", "nomad_job.db")
    live = live_job("raw_db_live")
    refreshed = Refreshed(jobs={"db": live}, parsed_jobs={"db": answer("raw_db_parsed")},
                          plans={"db": nomad_plan("plan_raw_db_unchanged", "db")})
    change = diff_resource(raw, None, refreshed)
    assert change.action is Action.NOOP
    parsed = answer("raw_db_parsed")
    assert parsed["JobModifyIndex"] == 0 and parsed["Namespace"] == "default"
    assert change.after is not None and "JobModifyIndex" not in change.after
    assert change.after["TaskGroups"][0]["Name"] == parsed["TaskGroups"][0]["Name"]
    assert change.before == change.after
    offline = diff_resource(raw, None, None)
    assert offline.after == dict(raw.body)  # the HCL view without a refresh
    applied = recorded(raw, live.modify_index, attributes=change.after)
    offline = diff_resource(raw, applied, None)
    assert (offline.action, offline.reason) == (Action.UPDATE, RAW_OFFLINE)


def test_sensitive_values_are_marked_at_their_leaves() -> None:
    url = WEB.body["TaskGroups"][0]["Tasks"][0]["Env"]["DATABASE_URL"]
    plan = build_plan(PlanRequest(desired=(WEB,), sensitive_values=frozenset({url[-8:]})))
    change = plan.changes[0]
    assert change.before_sensitive is False
    assert change.after_sensitive == {
        "TaskGroups": [{"Tasks": [{"Env": {"DATABASE_URL": True}}, False]}]}
    clean = build_plan(PlanRequest(desired=(WEB,), sensitive_values=frozenset({"zzz"})))
    assert clean.changes[0].after_sensitive is False


@pytest.mark.parametrize(("before", "after"), [
    ({"Count": 1}, {"Count": 1.0}),  # JSON keeps 1 and 1.0 apart; so does the state file
    ({"Enabled": True}, {"Enabled": 1}),
    ({"Tags": ["a", "b"]}, {"Tags": ["b", "a"]}),  # order is meaningful in a job
    ({"Meta": None}, {}),  # a key set to null is not a key left out
    ({"Meta": {}}, {"Meta": None}),
    ([1, 2], [1, 2, 3]),
    ({"A": {"B": [{"C": "x"}]}}, {"A": {"B": [{"C": "y"}]}}),
    ({"X": float("nan")}, {"X": float("nan")}),
])
def test_differs_sees_any_change_of_value_type_or_order(before: object, after: object) -> None:
    assert differs(before, after) and differs(after, before)


@pytest.mark.parametrize(("before", "after"), [
    ({}, {}),
    ({"A": {"B": [{"C": "x", "D": 1.5}]}, "E": None},
     {"E": None, "A": {"B": [{"D": 1.5, "C": "x"}]}}),
    ({"Tags": ("a", "b")}, {"Tags": ["a", "b"]}),  # tuples are compared as the lists JSON keeps
    (MappingProxyType({"A": 1}), {"A": 1}),
])
def test_differs_ignores_key_order_and_container_kinds(before: object, after: object) -> None:
    assert not differs(before, after) and not differs(after, before)


def _reference_same(a: object, b: object) -> bool:
    """What differs compared before it stopped copying: exact types of plain copies."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_reference_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(map(_reference_same, a, b))
    return bool(a == b)


_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([1.0, 0.5]),
                    st.sampled_from(["a", "b", ""]))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.sampled_from(["A", "B", 1]), inner, max_size=3),
    st.dictionaries(st.sampled_from(["A", "B"]), inner, max_size=3).map(MappingProxyType)),
    max_leaves=12)


@given(before=_VALUES, after=_VALUES)
def test_differs_without_copying_is_differs_of_the_plain_copies(before: object,
                                                                after: object) -> None:
    expected = not _reference_same(plain(before), plain(after))
    assert differs(before, after) is expected and differs(after, before) is expected
