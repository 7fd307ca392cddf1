"""The deployment watcher, fed with answers recorded from a real Nomad 1.6.

Decoders are exercised directly; whole follows replay the recorded answers, in the order
the watcher asks, from a local server. The recordings come from
tests/record/record_deployments.py.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_http import serve

from ncplan.planner.model import Action, ResourceChange
from ncplan.providers import nomad_deployment_decoding as answers
from ncplan.providers.live import DeploymentProgress
from ncplan.providers.nomad_deployment import DeploymentWatcher, format_duration
from ncplan.providers.nomad_deployment_decoding import RegisteredJob
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings
from ncplan.views.apply_progress import progress_message

RECORDED = Path(__file__).parent / "recorded" / "deployments"
SCRIPT = Path(__file__).resolve().parents[2] / "record" / "record_deployments.py"
DRIVER_FAILURE = ('task "server": Driver Failure: failed to launch command with executor: '
                  'rpc error: code = Unknown desc = binary "/nonexistent/cmd" could not be '
                  'found')


def body(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text())["body"]


def registered(prefix: str) -> RegisteredJob:
    index = body(f"{prefix}_register")["JobModifyIndex"]
    name = json.loads((RECORDED / f"{prefix}_register.json").read_text())["request"]["path"]
    job = answers.registered_job(name.rsplit("/", 1)[1], body(f"{prefix}_versions"), index,
                                 "recorded")
    assert job is not None
    return job


def replay(*names: str) -> list[tuple[int, str]]:
    return [(200, json.dumps(body(name))) for name in names]


def follow(url: str, job: RegisteredJob, *, timeout: float = 300.0,
           clock: Any = None) -> tuple[DeploymentProgress, list[DeploymentProgress]]:
    seen: list[DeploymentProgress] = []
    extra = {"clock": clock} if clock else {}
    watcher = DeploymentWatcher(NomadHttpSettings(address=url), timeout=timeout,
                                retry=RetryPolicy(tries=1), **extra)
    return watcher.follow(job.name, job.modify_index, seen.append), seen


def test_versions_give_the_registered_version_type_and_count() -> None:
    index = body("healthy_register")["JobModifyIndex"]
    assert registered("healthy") == RegisteredJob("healthy", 0, index, "service", 1)
    assert registered("batch").job_type == "batch"
    assert answers.registered_job("healthy", body("healthy_versions"), 9999, "r") is None


def test_the_registration_evaluation_is_found_by_its_job_modify_index() -> None:
    job = registered("healthy")
    found = answers.registration_eval(body("healthy_evaluations"), job.modify_index, "r")
    assert found is not None and not answers.eval_pending(found)
    assert answers.eval_failure(found) == ""
    assert answers.registration_eval(body("healthy_evaluations"), 9999, "r") is None
    assert answers.eval_pending(None)


def test_a_service_deployment_reads_as_progress() -> None:
    job = registered("healthy")
    deployment = answers.deployment_of(body("healthy_job_deployment"), job, "r")
    assert deployment is not None
    running = answers.deployment_progress("healthy", body("healthy_deployment_running"), "r")
    assert running == DeploymentProgress("healthy", "running", desired=1, placed=1,
                                         healthy=0, unhealthy=0,
                                         description="Deployment is running")
    done = answers.deployment_progress("healthy", body("healthy_deployment_successful"), "r")
    assert (done.status, done.healthy, done.description) == (
        "successful", 1, "Deployment completed successfully")


def test_a_deployment_of_another_registration_is_not_followed() -> None:
    job = registered("healthy")
    older = RegisteredJob(job.name, job.version, job.modify_index + 1, "service", 1)
    assert answers.deployment_of(body("healthy_job_deployment"), older, "r") is None
    assert answers.deployment_of(body("batch_job_deployment"), registered("batch"), "r") is None


def test_a_failed_deployment_fails_with_the_task_event() -> None:
    failed = answers.deployment_progress("broken", body("broken_deployment_failed"), "r")
    assert (failed.status, failed.unhealthy) == ("failed", 1)
    assert failed.description == "Failed due to unhealthy allocations"
    assert answers.failure_reason(body("broken_deployment_allocations")) == DRIVER_FAILURE


def test_healthy_allocations_give_no_reason() -> None:
    assert answers.failure_reason(body("healthy_allocations")) == ""


def test_batch_allocations_are_done_when_running_or_complete() -> None:
    job = registered("batch")
    started = answers.allocations_progress(job, body("batch_allocations_started"), "r")
    assert (started.status, started.placed, started.healthy) == ("successful", 1, 1)
    assert started.description == "allocations running"
    complete = answers.allocations_progress(job, body("batch_allocations_complete"), "r")
    assert (complete.status, complete.description) == ("successful", "allocations complete")


def test_a_failed_batch_allocation_fails_with_the_task_event() -> None:
    job = registered("batch_broken")
    failed = answers.allocations_progress(job, body("batch_broken_allocations_failed"), "r")
    assert (failed.status, failed.unhealthy, failed.healthy) == ("failed", 1, 0)
    assert failed.reason == DRIVER_FAILURE


def test_allocations_of_another_version_do_not_count() -> None:
    job = registered("batch")
    other = RegisteredJob(job.name, job.version + 1, job.modify_index, "batch", 1)
    waiting = answers.allocations_progress(other, body("batch_allocations_complete"), "r")
    assert (waiting.status, waiting.placed) == ("running", 0)


def test_following_a_healthy_job_reports_each_change() -> None:
    answers_in_order = replay("healthy_versions", "healthy_evaluations",
                              "healthy_job_deployment", "healthy_deployment_running",
                              "healthy_deployment_successful")
    with serve(answers_in_order) as server:
        final, seen = follow(server.url, registered("healthy"))
    assert [p.status for p in seen] == ["running", "successful"]
    assert final == seen[-1] and final.healthy == 1
    deployment_id = body("healthy_job_deployment")["ID"]
    assert server.requests[3].startswith(f"GET /v1/deployment/{deployment_id}")


def test_following_a_broken_job_fails_with_the_driver_failure() -> None:
    answers_in_order = replay("broken_versions", "broken_evaluations",
                              "broken_job_deployment", "broken_deployment_failed",
                              "broken_deployment_allocations")
    with serve(answers_in_order) as server:
        final, seen = follow(server.url, registered("broken"))
    assert final.status == "failed"
    assert final.reason == DRIVER_FAILURE
    assert seen == [final]  # the failure is reported once, with its reason
    assert server.requests[-1].startswith("GET /v1/deployment/allocations/")


def test_following_a_batch_job_follows_its_allocations() -> None:
    answers_in_order = replay("batch_versions", "batch_evaluations", "batch_job_deployment",
                              "batch_allocations_started")
    with serve(answers_in_order) as server:
        final, _ = follow(server.url, registered("batch"))
    assert final.status == "successful"
    assert server.requests[-1].startswith("GET /v1/job/batch/allocations")


def ticking(*values: float) -> Any:
    """A clock giving ``values`` in turn, then the last one for ever."""
    source: Iterator[float] = iter(values)
    last = [values[-1]]

    def clock() -> float:
        last[0] = next(source, last[0])
        return last[0]

    return clock


def test_a_rollout_that_outlasts_the_timeout_fails_saying_so() -> None:
    # start, evaluations (in time), deployment (in time), deployment again: too late
    clock = ticking(0.0, 1.0, 2.0, 301.0)
    answers_in_order = replay("healthy_versions", "healthy_evaluations",
                              "healthy_job_deployment", "healthy_deployment_running",
                              "healthy_allocations")
    with serve(answers_in_order) as server:
        final, seen = follow(server.url, registered("healthy"), clock=clock)
    assert final.status == "failed"
    assert final.reason == "did not become healthy within 5m"
    assert [p.status for p in seen] == ["running", "failed"]
    assert (final.placed, final.desired) == (1, 1)


def test_a_timed_out_rollout_does_not_say_it_is_still_running() -> None:
    """The failure's line names the reason, not the description of the last poll."""
    clock = ticking(0.0, 1.0, 2.0, 301.0)
    answers_in_order = replay("healthy_versions", "healthy_evaluations",
                              "healthy_job_deployment", "healthy_deployment_running",
                              "healthy_allocations")
    with serve(answers_in_order) as server:
        final, seen = follow(server.url, registered("healthy"), clock=clock)
    assert seen[0].description == "Deployment is running"
    change = ResourceChange(address="nomad_job.healthy", kind="nomad_job", name="healthy",
                            action=Action.UPDATE)
    assert progress_message(change, final) == (
        "nomad_job.healthy: rollout failed: 1 desired, 1 placed, 0 healthy, 0 unhealthy: "
        "did not become healthy within 5m")


def test_the_timeout_names_the_last_task_event() -> None:
    clock = ticking(0.0, 1.0, 2.0, 301.0)
    answers_in_order = replay("broken_versions", "broken_evaluations",
                              "broken_job_deployment", "broken_job_deployment",
                              "broken_deployment_allocations")
    with serve(answers_in_order) as server:
        final, _ = follow(server.url, registered("broken"), clock=clock)
    assert final.reason == f"did not become healthy within 5m; last {DRIVER_FAILURE}"


PLACEMENT = 'group "app" could not be placed: 1 node filtered by ${attr.kernel.name} = plan9'


def test_an_unplaceable_job_names_the_constraint() -> None:
    job = registered("unplaceable")
    found = answers.registration_eval(body("unplaceable_evaluations"), job.modify_index, "r")
    assert found is not None and not answers.eval_pending(found)
    assert answers.placement_failure(found) == PLACEMENT
    healthy = registered("healthy")
    placed = answers.registration_eval(body("healthy_evaluations"), healthy.modify_index, "r")
    assert placed is not None and answers.placement_failure(placed) == ""


def test_the_timeout_of_an_unplaceable_job_says_why() -> None:
    clock = ticking(0.0, 1.0, 2.0, 301.0)
    answers_in_order = replay("unplaceable_versions", "unplaceable_evaluations",
                              "unplaceable_job_deployment", "unplaceable_job_deployment",
                              "unplaceable_allocations")
    with serve(answers_in_order) as server:
        final, seen = follow(server.url, registered("unplaceable"), clock=clock)
    assert final.reason == f"did not become healthy within 5m; {PLACEMENT}"
    assert seen[0].description == PLACEMENT


@pytest.mark.parametrize(("seconds", "text"), [(300, "5m"), (90, "1m30s"), (2.5, "2.5s"),
                                               (3600, "1h"), (45, "45s")])
def test_durations_read_as_the_flag_was_written(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_every_recording_is_written_by_the_script_and_used_here() -> None:
    spec = importlib.util.spec_from_file_location("record_deployments", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert {path.stem for path in RECORDED.glob("*.json")} == set(script.RECORDINGS)
    source = Path(__file__).read_text().split("def test_every_recording_is_written")[0]
    unused = [name for name in script.RECORDINGS if _use_of(name) not in source]
    assert unused == []


def _use_of(name: str) -> str:
    """How this file names a recording: registered("healthy") reads healthy_register and
    healthy_versions; every other one is named in quotes."""
    if name.endswith(("_register", "_versions")):
        return 'registered("' + name.rsplit("_", 1)[0] + '")'
    return f'"{name}"'
