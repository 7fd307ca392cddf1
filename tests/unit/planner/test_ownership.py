"""Ownership and reconcile, pure: the mark read back from the jobs and entries the real
agents answered, what a plan does with each owner, and the state apply starts from."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from planner_helpers import live_intentions, live_job, nomad_plan, recorded, resource, state_of

from ncplan.address import parse_address
from ncplan.errors import ConfigError
from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.model import Action, Adoption, PlanMode
from ncplan.planner.ownership import Owner, adoption, foreign, owner_of
from ncplan.planner.reconcile import reconciled, settled
from ncplan.providers.live import LiveIntentions, LiveJob, LiveToken, Refreshed
from ncplan.resources.ownership import (
    JOB_MARK,
    owned_sources,
    source_owner,
    with_job_mark,
    with_sources_mark,
)
from ncplan.views.plan_lines import change_header, summary_line

WEB = resource("connect-on-nomad", "nomad_job.web")
OURS = "0b9e8d0e-0000-4000-8000-000000000001"
THEIRS = "0b9e8d0e-0000-4000-8000-000000000002"


def _job(lineage: str | None, name: str = "job_web_live") -> LiveJob:
    live = live_job(name)
    body: dict[str, Any] = dict(live.body)
    if lineage is not None:
        body = with_job_mark(body, lineage)
    return replace(live, body=body)


def _refreshed(job: LiveJob | None) -> Refreshed:
    return Refreshed(jobs={"web": job}, plans={"web": nomad_plan("plan_web_unchanged", "web")})


def _request(job: LiveJob | None, *, state: Any = None, desired: Any = (WEB,),
             mode: PlanMode = PlanMode.NORMAL) -> PlanRequest:
    return PlanRequest(desired=desired, state=state, refreshed=_refreshed(job), mode=mode,
                       lineage=OURS)


def _state(*entries: Any) -> Any:
    return replace(state_of(entries), lineage=OURS)


# ------------------------------------------------------------------ the mark


def test_intention_marks_list_the_sources_each_lineage_owns() -> None:
    entry = {"Kind": "service-intentions", "Name": "db",
             "Meta": {"team": "data", f"ncplan-lineage-{THEIRS}": "api,web"}}
    marked = with_sources_mark(entry, OURS, ["web"])
    assert marked["Meta"] == {"team": "data", f"ncplan-lineage-{THEIRS}": "api",
                              f"ncplan-lineage-{OURS}": "web"}
    assert source_owner(marked, "web") == OURS
    assert source_owner(marked, "api") == THEIRS
    assert source_owner(marked, "cache") is None
    emptied = with_sources_mark(marked, OURS, [])
    assert owned_sources(emptied) == {THEIRS: frozenset({"api"})}
    assert with_sources_mark({"Kind": "k"}, OURS, []) == {"Kind": "k"}  # no empty Meta


def test_owner_of_a_token_is_the_owner_of_its_job() -> None:
    token = LiveToken(name="web", body={}, modify_index=3)
    refreshed = Refreshed(jobs={"web": _job(THEIRS)}, acl_tokens={"web": token})
    address = parse_address("consul_acl_token.web")
    assert owner_of(address, refreshed) == Owner(True, THEIRS)
    alone = Refreshed(jobs={"web": None}, acl_tokens={"web": token})
    assert owner_of(address, alone) == Owner(True, None)
    assert owner_of(address, Refreshed(acl_tokens={"web": None})).exists is False


def test_owner_of_an_intention_source_comes_from_its_entry() -> None:
    live = live_intentions("intentions_db_live")
    source = live.sources[0]["Name"]
    marked = LiveIntentions(live.destination, with_sources_mark(live.body, OURS, [source]),
                            live.modify_index)
    address = parse_address(f"consul_intention.{source}:db")
    assert owner_of(address, Refreshed(intentions={"db": marked})) == Owner(True, OURS)
    assert owner_of(address, Refreshed(intentions={"db": live})) == Owner(True, None)
    assert owner_of(parse_address("consul_intention.other:db"),
                    Refreshed(intentions={"db": marked})).exists is False


@pytest.mark.parametrize(("owner", "recorded_", "expected"), [
    (Owner(False), False, None),
    (Owner(True, None), True, None),       # written before marks existed: ours
    (Owner(True, OURS), True, None),
    (Owner(True, OURS), False, Adoption.RECORD),  # a write whose record was lost
    (Owner(True, None), False, Adoption.IMPORT),  # made by hand
])
def test_adoption_is_settled_by_the_mark(owner: Owner, recorded_: bool,
                                         expected: Adoption | None) -> None:
    assert adoption(owner, OURS, recorded_) is expected
    assert not foreign(owner, OURS)


def test_another_lineage_is_foreign() -> None:
    assert foreign(Owner(True, THEIRS), OURS)


# ------------------------------------------------------------------ the plan


def test_another_states_job_is_a_located_plan_error_naming_its_lineage() -> None:
    with pytest.raises(ConfigError) as raised:
        build_plan(_request(_job(THEIRS)))
    [diagnostic] = raised.value.diagnostics
    assert f"nomad_job.web belongs to another ncplan state (lineage {THEIRS})" \
        in diagnostic.summary
    assert diagnostic.span == WEB.source and diagnostic.address == "nomad_job.web"


def test_another_states_job_recorded_here_is_refused_too() -> None:
    with pytest.raises(ConfigError):
        build_plan(_request(_job(THEIRS), state=_state(recorded(WEB, 1))))


def test_destroy_leaves_another_states_job_alone() -> None:
    plan = build_plan(_request(_job(THEIRS), mode=PlanMode.DESTROY))
    assert plan.changes == () and plan.is_empty()


def test_a_job_made_by_hand_is_a_visible_import() -> None:
    plan = build_plan(_request(_job(None)))
    [change] = plan.changes
    assert (change.action, change.adoption, change.import_id) == (
        Action.NOOP, Adoption.IMPORT, "web")
    assert change_header(change) == "nomad_job.web will be imported"
    assert not plan.is_empty() and plan.actionable == (change,)
    assert summary_line(plan) == "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."
    assert plan.apply_order == (("nomad_job.web",),)  # the engine writes the mark


def test_our_job_missing_from_the_state_is_recorded_not_no_changes() -> None:
    plan = build_plan(_request(_job(OURS), state=_state()))
    [change] = plan.changes
    assert change.adoption is Adoption.RECORD
    assert change_header(change) == "nomad_job.web will be recorded in the state"
    assert not plan.is_empty()
    assert summary_line(plan) == "Plan: 1 to record, 0 to add, 0 to change, 0 to destroy."


def test_destroy_deletes_our_job_the_state_did_not_record() -> None:
    live = _job(OURS)
    plan = build_plan(_request(live, state=_state(), mode=PlanMode.DESTROY))
    [change] = plan.changes
    assert (change.action, change.observed_index) == (Action.DELETE, live.modify_index)
    assert plan.apply_order == (("nomad_job.web",),)


def test_a_recorded_object_gone_is_forgotten_by_destroy() -> None:
    plan = build_plan(_request(None, state=_state(recorded(WEB, 7)), mode=PlanMode.DESTROY))
    assert plan.changes == () and plan.forgotten == ("nomad_job.web",)
    assert not plan.is_empty()
    assert summary_line(plan) == "Plan: 0 to add, 0 to change, 0 to destroy, 1 to forget."


def test_a_recorded_object_gone_but_configured_is_created_not_forgotten() -> None:
    plan = build_plan(_request(None, state=_state(recorded(WEB, 7))))
    assert [c.action for c in plan.changes] == [Action.CREATE] and plan.forgotten == ()


def test_a_plan_without_a_state_carries_the_lineage_it_marks_with() -> None:
    assert build_plan(_request(None)).lineage == OURS


# ------------------------------------------------------------------ reconcile


def test_reconcile_records_our_unrecorded_object_at_its_live_index() -> None:
    live = _job(OURS)
    plan = build_plan(_request(live, state=_state()))
    state = reconciled(plan, _state(), frozenset())
    assert state is not None
    entry = state.resource("nomad_job.web")
    assert entry is not None and entry.observed_index == live.modify_index
    assert JOB_MARK not in str(entry.attributes)  # the mark is never part of the record


def test_reconcile_re_records_an_update_that_landed_unrecorded() -> None:
    live = _job(OURS)
    old = recorded(WEB, live.modify_index - 5, attributes={**WEB.body, "Priority": 10})
    plan = build_plan(_request(live, state=_state(old)))
    assert plan.changes[0].action is Action.NOOP and plan.is_empty()
    state = reconciled(plan, _state(old), frozenset())
    assert state is not None
    entry = state.resource("nomad_job.web")
    assert entry is not None and entry.observed_index == live.modify_index
    assert entry.attributes == plan.changes[0].after


def test_reconcile_drops_what_is_gone_and_leaves_an_import_to_the_engine() -> None:
    gone = build_plan(_request(None, state=_state(recorded(WEB, 7)), mode=PlanMode.DESTROY))
    assert reconciled(gone, _state(recorded(WEB, 7)), frozenset()).resources == ()  # type: ignore[union-attr]
    imported = build_plan(_request(_job(None), state=_state()))
    assert settled(imported, _state(), frozenset()) == ([], [])


def test_reconcile_changes_nothing_when_state_and_live_agree() -> None:
    live = _job(OURS)
    state = _state(recorded(WEB, live.modify_index,
                            attributes=build_plan(_request(live)).changes[0].after))
    plan = build_plan(_request(live, state=state))
    assert reconciled(plan, state, frozenset()) is state


def test_reconcile_gives_a_new_state_the_plans_lineage() -> None:
    plan = build_plan(_request(_job(OURS)))
    state = reconciled(plan, None, frozenset())
    assert state is not None and state.lineage == OURS


def test_a_plan_file_keeps_adoptions_and_forgotten_objects() -> None:
    from ncplan.planner import planfile

    imported = build_plan(_request(_job(None)))
    again = planfile.decode(planfile.encode(imported), "test")
    assert again.changes[0].adoption is Adoption.IMPORT and again.changes[0].import_id == "web"
    gone = build_plan(_request(None, state=_state(recorded(WEB, 7)), mode=PlanMode.DESTROY))
    assert planfile.decode(planfile.encode(gone), "test").forgotten == ("nomad_job.web",)
