"""The pure parts of refresh: which objects it reads, which jobs moved, how errors read."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ncplan.address import parse_address
from ncplan.diagnostics import SourceSpan
from ncplan.errors import NcplanError, ProviderError, ProviderUnreachable
from ncplan.kinds.base import Task
from ncplan.kinds.nomad_job import moved_jobs
from ncplan.kinds.registry import kind_of
from ncplan.orchestration.refresh import located, read_keys, run_tasks
from ncplan.providers.live import LiveJob
from ncplan.resources.desired import DesiredResource
from ncplan.state.model import ResourceState, State

JOB = {"ID": "db", "Name": "db"}
RECORDED = Path(__file__).parent / "recorded"


def recorded(kind: str, name: str) -> dict[str, Any]:
    """An answer recorded from the real agents (tests/record/)."""
    found = json.loads((RECORDED / kind / f"{name}.json").read_text())
    assert isinstance(found, dict)
    return found if "exchanges" not in found else found["exchanges"][0]


def recorded_job(name: str, index: int) -> ResourceState:
    return ResourceState(f"nomad_job.{name}", "nomad_job", name, {"ID": name}, index)


def test_names_come_from_the_configuration_and_the_state_with_the_wildcard_entry() -> None:
    desired = [DesiredResource("nomad_job.web", "nomad_job", "web", {}),
               DesiredResource("consul_intention.web:db", "consul_intention", "web:db", {}),
               DesiredResource("consul_service_defaults.api", "consul_service_defaults",
                               "api", {})]
    state = State.new([recorded_job("old", 3),
                       ResourceState("consul_intention.api:db", "consul_intention",
                                     "api:db")])
    addresses = [parse_address(r.address) for r in [*desired, *state.resources]]
    assert read_keys(kind_of("nomad_job"), addresses) == {"old": "nomad_job.old",
                                                          "web": "nomad_job.web"}
    assert read_keys(kind_of("consul_service_defaults"), addresses) == {
        "api": "consul_service_defaults.api"}
    assert list(read_keys(kind_of("consul_intention"), addresses).items()) == [
        ("db", "consul_intention.api:db, consul_intention.web:db"),
        ("*", "Consul intentions toward *")]


def test_only_jobs_whose_index_moved_are_planned_as_recorded() -> None:
    state = State.new([recorded_job("same", 10), recorded_job("moved", 10),
                       recorded_job("gone", 10)])
    jobs = {"same": LiveJob("same", JOB, 10), "moved": LiveJob("moved", JOB, 12),
            "gone": None}
    assert moved_jobs(state, jobs) == {"moved": {"ID": "moved"}}
    assert moved_jobs(None, jobs) == {}


@pytest.mark.parametrize("name, said", [
    ("register_invalid", "1 error occurred: * Task group web validation failed: 1 error "
                         "occurred: * Task group count can't be negative"),
    ("parse_error", "Failed to parse job: input.hcl:3,13-4,1: Invalid expression; Expected "
                    "the start of an expression, but found an invalid expression token."),
])
def test_a_job_nomad_rejects_names_address_location_and_nomads_message(
        name: str, said: str) -> None:
    answer = recorded("nomad", name)
    error = ProviderError(f"Nomad answered {answer['status']} to ...",
                          status=answer["status"], body=answer["body"])
    task = Task("nomad_job.web", lambda: None, SourceSpan("jobs.hcl", 46, 1),
                rejects_job=True)
    found = located(error, task)
    assert type(found) is ProviderError
    assert found.message == f"nomad_job.web (jobs.hcl:46:1): Nomad rejected the job: {said}"
    assert found.hint is not None and "render --format hcl" in found.hint


def test_a_403_or_an_unreachable_agent_is_not_called_a_rejected_job() -> None:
    answer = recorded("consul", "agent_self_forbidden")
    task = Task("nomad_job.web", lambda: None, SourceSpan("main.hcl", 3, 1), rejects_job=True)
    refused = ProviderError(f"Consul refused GET /v1/agent/self (403): {answer['body']}",
                            status=answer["status"], body=answer["body"],
                            hint="CONSUL_HTTP_TOKEN is not set; set CONSUL_HTTP_TOKEN ...")
    found = located(refused, task)
    assert found.message == f"nomad_job.web (main.hcl:3:1): {refused.message}"
    assert found.hint == refused.hint
    down = located(ProviderUnreachable("cannot reach Nomad at http://x:1 (refused)",
                                       hint="set NOMAD_ADDR"), task)
    assert isinstance(down, ProviderUnreachable)
    assert down.message.startswith("nomad_job.web (main.hcl:3:1): cannot reach Nomad")


def test_the_first_failure_in_task_order_is_raised_whatever_finishes_first() -> None:
    second_failed = threading.Event()

    def slow_failure() -> None:
        second_failed.wait(5)
        raise ProviderError("first", status=500)

    def fast_failure() -> None:
        second_failed.set()
        raise ProviderError("second", status=500)

    tasks = {"a": Task("nomad_job.a", slow_failure), "b": Task("nomad_job.b", fast_failure),
             "c": Task("nomad_job.c", lambda: 3)}
    with ThreadPoolExecutor(max_workers=3) as pool, pytest.raises(NcplanError) as caught:
        run_tasks(pool, tasks)
    assert caught.value.message == "nomad_job.a: first"
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert run_tasks(pool, {"c": tasks["c"]}) == {"c": 3}
