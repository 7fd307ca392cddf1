"""What a rolled-back apply prints: the announcement before the restores, each restore's
progress line, and the end (what failed, what was rolled back, what was not), for people
and as JSON events."""

from __future__ import annotations

import io
import json

import pytest

from ncplan.planner.engine import ApplyResult, Problem
from ncplan.planner.hooks import ResourceOutcome
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.planner.rollback import (
    ROLLBACK_REASON,
    NotRestored,
    RollbackOutcome,
    RollbackPlan,
)
from ncplan.views.apply_output import HumanApplyUi, JsonApplyUi
from ncplan.views.apply_progress import complete_message, start_message

WEB = ResourceChange(address="nomad_job.web", kind="nomad_job", name="web",
                     action=Action.UPDATE, reason=ROLLBACK_REASON)
INTENTION = "consul_intention.web:db"
REFUSED = f"{INTENTION} changed since the plan (index 50 -> 51); run plan again"
RESULT = ApplyResult(
    failed=(Problem("nomad_job.web", "did not become healthy within 30s"),),
    rollback=RollbackOutcome(restored=("nomad_job.web",),
                             not_restored=(NotRestored(INTENTION, REFUSED),)))


def test_a_restore_says_it_is_one() -> None:
    assert start_message(WEB) == "nomad_job.web: Rollback: Modifying..."
    assert complete_message(WEB, ResourceOutcome("nomad_job.web", index=70, seconds=12)) \
        == "nomad_job.web: Rollback: Modifications complete after 12s [index=70]"


def test_the_announcement_lists_what_is_restored_and_left(
        capsys: pytest.CaptureFixture[str]) -> None:
    restoring = RollbackPlan(Plan(changes=(WEB,)),
                             (NotRestored("nomad_job.db", "its write was sent"),))
    HumanApplyUi(color=False).rolling_back(restoring)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "A step failed: rolling back what this apply changed, to the state recorded "
        "before it.",
        "  To restore: nomad_job.web",
        "  Left as it is: nomad_job.db: its write was sent"]


def test_the_end_says_what_failed_was_rolled_back_and_was_not(
        capsys: pytest.CaptureFixture[str]) -> None:
    HumanApplyUi(color=False).finished(RESULT, destroy=False)
    assert capsys.readouterr().err.splitlines() == [
        "Error: Apply failed (1 failed, 0 skipped); the rollback is incomplete "
        "(1 restored, 1 not).",
        "  Failed: nomad_job.web: did not become healthy within 30s",
        "  Rolled back: nomad_job.web",
        "  Not rolled back: consul_intention.web:db: changed since the plan "
        "(index 50 -> 51); run plan again"]


def test_json_has_a_rollback_summary_before_the_change_summary() -> None:
    stream = io.StringIO()
    JsonApplyUi(stream).finished(RESULT, destroy=False)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["type"] for e in events] == ["rollback_summary", "change_summary"]
    assert events[0]["rollback"]["rolled_back"] == ["nomad_job.web"]
    assert events[0]["rollback"]["not_rolled_back"] == [{"addr": INTENTION,
                                                         "reason": REFUSED}]
    assert events[0]["rollback"]["complete"] is False
