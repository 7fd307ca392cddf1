"""The plan file: a round trip to an equal Plan, refusals that name the file, staleness."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from planner_helpers import desired, live_job, nomad_plan, recorded, resource, state_of

from ncplan.diagnostics import SourceSpan
from ncplan.errors import NcplanError
from ncplan.planner import planfile
from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.model import Plan, PlanMode
from ncplan.providers.live import Refreshed

WEB = resource("connect-on-nomad", "nomad_job.web")


def rich_plan(secrets: frozenset[str] = frozenset({"postgresql"})) -> Plan:
    # Nomad's real placement failure (the envoy job finds no node with bridge networking).
    failures = nomad_plan("plan_api_unchanged", "api").failures
    plan_answer = replace(nomad_plan("plan_web_count", "web"), failures=failures)
    assert plan_answer.annotations and failures
    state = state_of([recorded(WEB, 3), recorded(resource("connect-on-nomad", "nomad_job.db"),
                                                 2)])
    refreshed = Refreshed(jobs={"web": live_job("job_web_edited_live"), "db": None},
                          plans={"web": plan_answer},
                          drift_plans={"web": nomad_plan("drift_plan_web_edited", "web")})
    plan = build_plan(PlanRequest(desired=desired("connect-on-nomad"), state=state,
                                  refreshed=refreshed, targets=("nomad_job.web",),
                                  sensitive_values=secrets,
                                  config_digest="sha256:abc"))
    assert plan.changes and plan.drift and plan.warnings
    assert any(c.source is not None for c in plan.changes)
    assert any(c.nomad_plan is not None and c.nomad_plan.failures for c in plan.changes)
    return plan


def test_round_trip_gives_an_equal_plan(tmp_path: Path) -> None:
    plan = rich_plan(frozenset())
    path = tmp_path / "plan.json"
    planfile.write(plan, path)
    assert planfile.read(path) == plan


def test_round_trip_keeps_the_masks_and_hides_the_masked_values(tmp_path: Path) -> None:
    """The sides only shown (a change's before, a drift, Nomad's diff) are saved hidden
    where masked: a second round trip changes nothing, the masks come back as they were."""
    plan = rich_plan()
    path = tmp_path / "plan.json"
    planfile.write(plan, path, frozenset({"postgresql"}))
    saved = planfile.read(path)
    assert "postgresql" not in path.read_text()
    planfile.write(saved, path, frozenset({"postgresql"}))
    assert planfile.read(path) == saved
    for change, back in zip([*plan.changes, *plan.drift], [*saved.changes, *saved.drift],
                            strict=True):
        assert (back.before_sensitive, back.after_sensitive, back.nomad_plan_sensitive) == (
            change.before_sensitive, change.after_sensitive, change.nomad_plan_sensitive)
    assert any(c.before_sensitive is not False for c in saved.changes)


def test_refresh_only_plan_round_trips_with_the_state_to_write(tmp_path: Path) -> None:
    state = state_of([recorded(WEB, 3)])
    plan = build_plan(PlanRequest(desired=(WEB,), state=state, mode=PlanMode.REFRESH_ONLY,
                                  refreshed=Refreshed(jobs={"web": live_job("job_web_live")})))
    assert plan.next_state is not None
    path = tmp_path / "plan.json"
    planfile.write(plan, path)
    assert planfile.read(path) == plan


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not a plan file: invalid JSON"),
    ('{"version": 2, "resources": []}', "not a plan file"),
    ('{"kind": "ncplan-plan", "format_version": "99"}', "format version '99'"),
    ('{"kind": "ncplan-plan", "format_version": "2", "mode": "normal"}',
     "plan file format version '2', this ncplan reads version 3"),
    ('{"kind": "ncplan-plan", "format_version": "3", "mode": "normal"}', "damaged plan file"),
    ('{"kind": "ncplan-plan", "serial": ' + "9" * 5000 + "}",
     "not a plan file: Exceeds the limit (4300 digits)"),
    ("[" * 100_000 + "]" * 100_000, "not a plan file: nested too deeply to read"),
])
def test_what_is_not_a_plan_file_is_refused_naming_the_file(tmp_path: Path, text: str,
                                                            message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(NcplanError) as caught:
        planfile.read(path)
    assert str(path) in caught.value.message
    assert message in caught.value.message


@pytest.mark.parametrize("identity", [True, False])
def test_the_sidecar_identity_the_plan_was_made_with_is_saved(identity: bool) -> None:
    plan = replace(build_plan(PlanRequest(desired=(WEB,))), sidecar_identity=identity)
    text = planfile.encode(plan)
    assert json.loads(text)["sidecar_identity"] is identity
    assert planfile.decode(text, "x").sidecar_identity is identity


def test_a_plan_file_without_a_true_or_false_sidecar_identity_is_damaged() -> None:
    document = json.loads(planfile.encode(build_plan(PlanRequest(desired=(WEB,)))))
    for value in (None, "true", 1):
        with pytest.raises(NcplanError, match=r"damaged plan file.*sidecar_identity"):
            planfile.decode(json.dumps({**document, "sidecar_identity": value}), "x")
    del document["sidecar_identity"]
    with pytest.raises(NcplanError, match=r"damaged plan file.*sidecar_identity"):
        planfile.decode(json.dumps(document), "x")


def test_stale_reasons() -> None:
    plan = rich_plan()
    state = plan.prior_state
    assert state is not None
    assert planfile.stale_reasons(plan, state, "sha256:abc") == []
    written = replace(state, serial=state.serial + 1)
    assert planfile.stale_reasons(plan, written, "sha256:abc") == [
        f"the state changed since the plan was made (serial {state.serial}, "
        f"now {state.serial + 1})"]
    other = replace(state, lineage="another")
    assert "lineage another" in planfile.stale_reasons(plan, other, "sha256:abc")[0]
    assert planfile.stale_reasons(plan, state, "sha256:def") == [
        "the configuration changed since the plan was made (files or variable values)"]
    fresh = build_plan(PlanRequest(desired=(WEB,)))
    assert planfile.stale_reasons(fresh, None, "") == []
    assert planfile.stale_reasons(fresh, state, "") != []


def test_configuration_digest_follows_files_and_variable_values() -> None:
    files = [("a.hcl", "service {}"), ("b.hcl", "job {}")]
    digest = planfile.configuration_digest(files, {"image": "v1"})
    assert digest.startswith("sha256:")
    assert planfile.configuration_digest(reversed(files), {"image": "v1"}) == digest
    assert planfile.configuration_digest(files, {"image": "v2"}) != digest
    assert planfile.configuration_digest([("a.hcl", "service { }"), files[1]],
                                         {"image": "v1"}) != digest
    assert planfile.configuration_digest([("b.hcl", "service {}"), ("a.hcl", "job {}")],
                                         {"image": "v1"}) != digest


def test_source_spans_survive() -> None:
    span = SourceSpan("main.hcl", 3, 1, 9, 2)
    plan = Plan(changes=(replace(build_plan(PlanRequest(desired=(WEB,))).changes[0],
                                 source=span),))
    assert planfile.decode(planfile.encode(plan), "x").changes[0].source == span
