"""What apply prints around the engine: the question, the end for people, the JSON plan."""

from __future__ import annotations

import io
import json

import pytest

from ncplan.planner.engine import ApplyResult, Problem
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.views.apply_output import HumanApplyUi, JsonApplyUi
from ncplan.views.apply_progress import complete_line

DB = ResourceChange(address="nomad_job.db", kind="nomad_job", name="db", action=Action.CREATE)
WEB = ResourceChange(address="nomad_job.web", kind="nomad_job", name="web",
                     action=Action.UPDATE, reason="stopped outside ncplan")


def test_complete_lines_are_terraforms() -> None:
    assert complete_line(1, 2, 3, destroy=False) == \
        "Apply complete! Resources: 1 added, 2 changed, 3 destroyed."
    assert complete_line(0, 0, 3, destroy=True) == "Destroy complete! Resources: 3 destroyed."


@pytest.mark.parametrize(("answer", "approved"), [("yes\n", True), ("no\n", False),
                                                  ("YES\n", False), ("y\n", False),
                                                  ("", False), ("  yes  \n", True)])
def test_only_yes_approves(answer: str, approved: bool,
                           capsys: pytest.CaptureFixture[str]) -> None:
    ui = HumanApplyUi(color=False, stdin=io.StringIO(answer))
    assert ui.approve(destroy=False) is approved
    out = capsys.readouterr().out
    assert "Do you want to perform these actions?" in out
    assert "Only 'yes' will be accepted to approve." in out
    assert "  Enter a value: " in out


def test_destroy_asks_its_own_question(capsys: pytest.CaptureFixture[str]) -> None:
    HumanApplyUi(color=False, stdin=io.StringIO("no\n")).approve(destroy=True)
    assert "Do you really want to destroy all resources?" in capsys.readouterr().out


def test_a_failure_says_what_succeeded_failed_and_was_skipped_on_stderr(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = ApplyResult(succeeded=("consul_service_defaults.db",),
                         failed=(Problem("nomad_job.db", 'task "db": Driver Failure'),),
                         skipped=(Problem("nomad_job.web",
                                          "depends on nomad_job.db, which failed"),),
                         added=1)
    HumanApplyUi(color=False).finished(result, destroy=False)
    captured = capsys.readouterr()
    assert "Apply complete" not in captured.out
    assert captured.err.splitlines() == [
        "Error: Apply failed: 1 failed, 1 skipped (Resources: 1 added, 0 changed, "
        "0 destroyed).",
        "  Succeeded (recorded in the state): consul_service_defaults.db",
        '  Failed: nomad_job.db: task "db": Driver Failure',
        "  Skipped: nomad_job.web: depends on nomad_job.db, which failed"]


def test_success_and_interrupt(capsys: pytest.CaptureFixture[str]) -> None:
    HumanApplyUi(color=False).finished(ApplyResult(added=2, destroyed=1), destroy=False)
    captured = capsys.readouterr()
    assert captured.out.strip() == "Apply complete! Resources: 2 added, 0 changed, 1 destroyed."
    HumanApplyUi(color=False).finished(
        ApplyResult(interrupted=True, skipped=(Problem("nomad_job.web", "not started"),)),
        destroy=False)
    captured = capsys.readouterr()
    assert "Apply complete" not in captured.out
    assert captured.err.startswith("Interrupted: the running requests finished")
    assert "Skipped: nomad_job.web: not started" in captured.err


def test_json_plan_and_end_are_one_event_per_line() -> None:
    stream = io.StringIO()
    ui = JsonApplyUi(stream)
    ui.show_plan(Plan(changes=(DB, WEB)))
    ui.finished(ApplyResult(added=1, changed=1), destroy=False)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["type"] for e in events] == ["planned_change", "planned_change",
                                           "change_summary", "change_summary"]
    assert events[0]["change"]["action"] == "create"
    assert events[1]["change"]["reason"] == "stopped outside ncplan"
    assert events[2]["changes"]["operation"] == "plan"
    assert events[2]["@message"] == "Plan: 1 to add, 1 to change, 0 to destroy."
    assert events[3]["changes"] == {"add": 1, "change": 1, "remove": 0, "operation": "apply"}
    assert ui.approve(destroy=False) is False


def test_a_failure_that_names_its_address_is_not_prefixed_twice(
        capsys: pytest.CaptureFixture[str]) -> None:
    reason = ('consul_acl_token.db: Consul refused PUT /v1/acl/token (403 Permission '
              'denied): the token needs acl = "write"')
    HumanApplyUi(color=False).finished(
        ApplyResult(failed=(Problem("consul_acl_token.db", reason),)), destroy=False)
    assert f"  Failed: {reason}" in capsys.readouterr().err.splitlines()
