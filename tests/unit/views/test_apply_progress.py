"""The apply progress views: exact plain lines, exact JSON events, the live board."""

from __future__ import annotations

import datetime
import io
import itertools
import json
import threading
import time
from typing import Any

import pytest
from rich.console import Console

from ncplan.planner.hooks import ApplyHooks, ResourceOutcome
from ncplan.planner.model import Action, ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.views.apply_progress import (
    HumanApplyView,
    JsonApplyView,
    change_summary_event,
    elapsed,
)

DB = ResourceChange(address="nomad_job.db", kind="nomad_job", name="db", action=Action.CREATE)
WEB = ResourceChange(address="nomad_job.web", kind="nomad_job", name="web",
                     action=Action.UPDATE)
OLD = ResourceChange(address="nomad_job.old", kind="nomad_job", name="old",
                     action=Action.DELETE)
INTENTION = ResourceChange(address="consul_intention.web:db", kind="consul_intention",
                           name="web:db", action=Action.REPLACE)
RUNNING = DeploymentProgress("db", "running", desired=2, placed=1, healthy=0, unhealthy=0,
                             description="Deployment is running")
FAILED = DeploymentProgress("db", "failed", desired=2, placed=2, healthy=1, unhealthy=1,
                            description="Failed due to unhealthy allocations",
                            reason='task "db": Driver Failure: failed to launch command')
STAMP = datetime.datetime(2026, 11, 25, 19, 0, 1, 250000, tzinfo=datetime.UTC)


def run(hooks: ApplyHooks) -> None:
    """One apply, as the engine would report it."""
    hooks.pre_apply(DB)
    hooks.deployment_progress(DB, RUNNING)
    hooks.deployment_progress(DB, FAILED)
    hooks.post_apply(DB, ResourceOutcome("nomad_job.db", error="rollout failed", index=41,
                                         seconds=12.7))
    hooks.skipped(WEB, "nomad_job.db failed")
    hooks.pre_apply(OLD)
    hooks.post_apply(OLD, ResourceOutcome("nomad_job.old", seconds=0.4))
    hooks.pre_apply(INTENTION)
    hooks.post_apply(INTENTION, ResourceOutcome("consul_intention.web:db", index=7,
                                                seconds=61))


def test_plain_lines_one_per_change_and_per_progress() -> None:
    out = io.StringIO()
    view = HumanApplyView(Console(file=out, width=100))
    assert not view.use_live
    run(view)
    view.close()
    assert out.getvalue().splitlines() == [
        "nomad_job.db: Creating...",
        "nomad_job.db: rollout running: 2 desired, 1 placed, 0 healthy, 0 unhealthy "
        "(Deployment is running)",
        "nomad_job.db: rollout failed: 2 desired, 2 placed, 1 healthy, 1 unhealthy "
        '(Failed due to unhealthy allocations): task "db": Driver Failure: failed to '
        "launch command",
        "nomad_job.db: Creation errored after 12s: rollout failed",
        "nomad_job.web: Skipped: nomad_job.db failed",
        "nomad_job.old: Destroying...",
        "nomad_job.old: Destruction complete after 0s",
        "consul_intention.web:db: Replacing...",
        "consul_intention.web:db: Replacement complete after 1m1s [index=7]",
    ]


def test_an_update_reads_modifying() -> None:
    out = io.StringIO()
    view = HumanApplyView(Console(file=out, width=100))
    view.pre_apply(WEB)
    view.post_apply(WEB, ResourceOutcome("nomad_job.web", index=45, seconds=2.2))
    assert out.getvalue().splitlines() == [
        "nomad_job.web: Modifying...",
        "nomad_job.web: Modifications complete after 2s [index=45]",
    ]


def test_no_color_on_a_terminal_still_writes_plain_lines() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=True, no_color=True)
    assert not HumanApplyView(console).use_live


def test_a_terminal_gets_the_live_board(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)  # `--no-color` tests set it process-wide
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True, color_system=None)
    with HumanApplyView(console) as view:
        assert view.use_live
        view.pre_apply(DB)
        view.deployment_progress(DB, RUNNING)
        view.deployment_progress(WEB, DeploymentProgress("web", "successful", 1, 1, 1, 0,
                                                         "Deployment completed successfully"))
        view.deployment_progress(DB, FAILED)
    board = Console(file=io.StringIO(), width=100, color_system=None)
    board.print(view.board())
    rows = [line.rstrip() for line in board.file.getvalue().splitlines()]  # type: ignore[attr-defined]
    assert rows == [
        "✗ nomad_job.db  2 desired, 2 placed, 1 healthy, 1 unhealthy Failed due to unhealthy "
        "allocations",
        "✓ nomad_job.web 1 desired, 1 placed, 1 healthy, 0 unhealthy Deployment completed "
        "successfully",
    ]
    text = out.getvalue()
    assert "nomad_job.db: Creating..." in text
    assert "rollout running" not in text  # progress goes to the board, not to log lines


def events(now: datetime.datetime = STAMP) -> tuple[list[dict[str, Any]], JsonApplyView]:
    out = io.StringIO()
    ticks = itertools.chain([100.0, 103.5, 104.0], itertools.repeat(110.0))
    view = JsonApplyView(out, now=lambda: now, clock=lambda: next(ticks))
    run(view)
    view.change_summary(1, 0, 2)
    return [json.loads(line) for line in out.getvalue().splitlines()], view


def test_json_events_follow_terraforms_ui_shape() -> None:
    lines, _ = events()
    resource = {"addr": "nomad_job.db", "module": "", "resource": "nomad_job.db",
                "implied_provider": "nomad", "resource_type": "nomad_job",
                "resource_name": "db", "resource_key": None}
    head = {"@module": "ncplan.ui", "@timestamp": "2026-11-25T19:00:01.250000+00:00"}
    assert lines[0] == {**head, "@level": "info", "@message": "nomad_job.db: Creating...",
                        "type": "apply_start",
                        "hook": {"resource": resource, "action": "create"}}
    assert lines[1] == {
        **head, "@level": "info", "type": "apply_progress",
        "@message": "nomad_job.db: Still creating... [3s elapsed] nomad_job.db: rollout "
                    "running: 2 desired, 1 placed, 0 healthy, 0 unhealthy (Deployment is "
                    "running)",
        "hook": {"resource": resource, "action": "create", "elapsed_seconds": 3,
                 "rollout": {"status": "running", "desired": 2, "placed": 1, "healthy": 0,
                             "unhealthy": 0, "description": "Deployment is running",
                             "reason": ""}}}
    assert lines[2]["hook"]["rollout"]["reason"] == FAILED.reason
    assert lines[3] == {**head, "@level": "error", "type": "apply_errored",
                        "@message": "nomad_job.db: Creation errored after 12s",
                        "hook": {"resource": resource, "action": "create",
                                 "elapsed_seconds": 12}}
    assert lines[4] == {**head, "@level": "error", "type": "diagnostic",
                        "@message": "Error: rollout failed",
                        "diagnostic": {"severity": "error", "summary": "rollout failed",
                                       "detail": "", "address": "nomad_job.db"}}


def test_json_skip_complete_and_summary() -> None:
    lines, _ = events()
    assert [line["type"] for line in lines[5:]] == [
        "apply_skipped", "apply_start", "apply_complete", "apply_start", "apply_complete",
        "change_summary"]
    assert lines[5]["@message"] == "nomad_job.web: Skipped: nomad_job.db failed"
    assert (lines[5]["@level"], lines[5]["hook"]["reason"]) == ("warn", "nomad_job.db failed")
    assert lines[7]["hook"] == {"resource": lines[7]["hook"]["resource"], "action": "delete",
                                "elapsed_seconds": 0}
    assert lines[7]["@message"] == "nomad_job.old: Destruction complete after 0s"
    assert lines[9]["@message"] == "consul_intention.web:db: Replacement complete after 1m1s"\
        " [index=7]"
    hook = lines[9]["hook"]
    assert (hook["action"], hook["id_key"], hook["id_value"], hook["elapsed_seconds"]) == (
        "replace", "index", "7", 61)
    assert (hook["resource"]["resource_type"], hook["resource"]["resource_name"],
            hook["resource"]["implied_provider"]) == ("consul_intention", "web:db", "consul")
    assert lines[10]["@message"] == "Apply complete! Resources: 1 added, 0 changed, " \
        "2 destroyed."
    assert lines[10]["changes"] == {"add": 1, "change": 0, "remove": 2, "operation": "apply"}


def test_the_destroy_summary() -> None:
    summary = change_summary_event(0, 0, 3, destroy=True, now=lambda: STAMP)
    assert summary == {"@level": "info", "@message": "Destroy complete! Resources: 3 destroyed.",
                       "@module": "ncplan.ui", "@timestamp": "2026-11-25T19:00:01.250000+00:00",
                       "type": "change_summary",
                       "changes": {"add": 0, "change": 0, "remove": 3, "operation": "destroy"}}


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0s"), (12.7, "12s"), (60, "1m0s"),
                                               (3725, "1h2m5s")])
def test_elapsed_reads_as_terraform_prints_it(seconds: float, text: str) -> None:
    assert elapsed(seconds) == text


class Chunky(io.StringIO):
    """A stream that gives other threads the chance to interleave inside a write."""

    def write(self, text: str) -> int:
        for char in text:
            super().write(char)
            if char == ",":
                time.sleep(0)
        return len(text)


def test_lines_from_worker_threads_never_interleave() -> None:
    out = Chunky()
    view = JsonApplyView(out, now=lambda: STAMP)
    changes = [ResourceChange(address=f"nomad_job.j{i}", kind="nomad_job", name=f"j{i}",
                              action=Action.CREATE) for i in range(8)]

    def work(change: ResourceChange) -> None:
        for _ in range(20):
            view.pre_apply(change)
            view.deployment_progress(change, RUNNING)

    threads = [threading.Thread(target=work, args=(change,)) for change in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 8 * 20 * 2
    assert all(json.loads(line)["type"] in ("apply_start", "apply_progress") for line in lines)


NOT_AWAITED = "rollout not awaited: the apply was interrupted"


def test_an_interrupt_is_said_at_once_and_a_rollout_left_says_so() -> None:
    out = io.StringIO()
    view = HumanApplyView(Console(file=out, width=100))
    view.pre_apply(DB)
    view.stopping(("consul_intention.web:db",), ("nomad_job.db",))
    view.post_apply(DB, ResourceOutcome("nomad_job.db", index=41, seconds=3.1,
                                        note=NOT_AWAITED))
    assert out.getvalue().splitlines() == [
        "nomad_job.db: Creating...",
        "Interrupt received: starting no new steps.",
        "  Finishing the running steps: consul_intention.web:db",
        "  Not awaiting the rollout of nomad_job.db: registered, recorded as applied.",
        "  Press Ctrl-C again to stop now.",
        "nomad_job.db: Creation complete after 3s [index=41]; rollout not awaited: the apply "
        "was interrupted",
    ]


def test_json_says_the_interrupt_as_a_log_message_and_notes_the_rollout_left() -> None:
    out = io.StringIO()
    view = JsonApplyView(out, now=lambda: STAMP, clock=lambda: 1.0)
    view.stopping((), ("nomad_job.db",))
    view.post_apply(DB, ResourceOutcome("nomad_job.db", index=41, note=NOT_AWAITED))
    log, complete = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (log["type"], log["@level"]) == ("log", "warn")
    assert log["interrupt"] == {"running": [], "not_awaited": ["nomad_job.db"],
                                "stops_not_awaited": []}
    assert log["@message"] == ("Interrupt received: starting no new steps. Not awaiting the "
                               "rollout of nomad_job.db: registered, recorded as applied. "
                               "Press Ctrl-C again to stop now.")
    assert complete["type"] == "apply_complete" and complete["hook"]["note"] == NOT_AWAITED
