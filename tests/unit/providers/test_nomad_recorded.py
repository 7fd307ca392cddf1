"""The nomad_job provider's decoding, fed with answers recorded from a real Nomad 1.6.

Decoders are exercised directly; the status-driven paths (404, conflict, rejection, bad
HCL) replay the recorded answer from a local server through the provider itself. The
recordings come from tests/record/record_nomad.py.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from local_http import serve

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers import nomad_job_decoding
from ncplan.providers.live import GroupAnnotation, NomadJobPlan
from ncplan.providers.nomad_job import NomadJobs, is_enforce_index_conflict
from ncplan.transport.http import Answer, RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

RECORDED = Path(__file__).parent / "recorded" / "nomad"
SCRIPT = Path(__file__).resolve().parents[2] / "record" / "record_nomad.py"


def entry(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return loaded


def answer(name: str) -> Answer:
    recorded = entry(name)
    body = recorded["body"]
    text = body if isinstance(body, str) else json.dumps(body)
    request = recorded["request"]
    return Answer(request["method"], request["path"], recorded["status"], text, {}, "Nomad")


def replayed(*names: str) -> list[tuple[int, str]]:
    return [(answer(name).status, answer(name).text) for name in names]


def provider(url: str) -> NomadJobs:
    return NomadJobs(NomadHttpSettings(address=url), retry=RetryPolicy(tries=1))


def plan(name: str) -> NomadJobPlan:
    recorded = answer(name)
    job_name = entry(name)["request"]["body"]["Job"]["ID"]
    return nomad_job_decoding.job_plan(job_name, recorded.json(dict), "recorded")


def test_read_gives_the_live_job_and_its_index() -> None:
    live = nomad_job_decoding.live_job(answer("read").json(dict), "recorded")
    registered = answer("register").json(dict)["JobModifyIndex"]
    assert (live.name, live.modify_index, live.stopped) == ("web", registered, False)
    assert live.status in {"pending", "running"}
    assert live.body["TaskGroups"][0]["Tasks"][0]["Env"] == {"MESSAGE": "hello"}


def test_a_404_reads_as_absent() -> None:
    with serve(replayed("read_absent")) as server:
        assert provider(server.url).read("absent") is None


def test_parse_gives_the_canonical_job() -> None:
    job = nomad_job_decoding.parsed_job(answer("parse").json(dict), "recorded")
    assert (job["ID"], job["Namespace"], job["Type"]) == ("web", "default", "service")
    assert job["TaskGroups"][0]["Tasks"][0]["Env"] == {"MESSAGE": "hello"}


def test_bad_hcl_quotes_nomads_parser() -> None:
    with serve(replayed("parse_error")) as server, pytest.raises(ProviderError) as caught:
        provider(server.url).parse("job {")
    assert caught.value.status == 400
    assert caught.value.message == (
        "Nomad answered 400 to POST /v1/jobs/parse: Failed to parse job: "
        "input.hcl:3,13-4,1: Invalid expression; Expected the start of an expression, "
        "but found an invalid expression token.")


def test_register_enforces_the_index_and_returns_the_new_one() -> None:
    index = nomad_job_decoding.register_index(answer("register").json(dict), "recorded")
    with serve(replayed("register")) as server:
        assert provider(server.url).register({"ID": "web", "Name": "web"}, 0) == index
    sent = json.loads(server.bodies[0])
    assert (sent["EnforceIndex"], sent["JobModifyIndex"]) == (True, 0)
    assert sent["Job"] == {"ID": "web", "Name": "web"}


def test_a_stale_index_is_a_conflict_naming_both_indexes() -> None:
    recorded = answer("register_conflict")
    assert is_enforce_index_conflict(recorded.status, recorded.text)
    stale = entry("register_conflict")["request"]["body"]["JobModifyIndex"]
    current = answer("read").json(dict)["JobModifyIndex"]
    with serve(replayed("register_conflict", "read")) as server, \
            pytest.raises(CheckAndSetConflict) as caught:
        provider(server.url).register({"ID": "web"}, stale)
    assert caught.value.message == \
        f"nomad_job.web changed since the plan (index {stale} -> {current}); run plan again"
    assert server.requests == ["PUT /v1/job/web", "GET /v1/job/web"]


def test_a_job_nomad_rejects_quotes_its_validation_message() -> None:
    recorded = answer("register_invalid")
    assert not is_enforce_index_conflict(recorded.status, recorded.text)
    with serve(replayed("register_invalid")) as server, \
            pytest.raises(ProviderError) as caught:
        provider(server.url).register({"ID": "web"}, 1)
    assert type(caught.value) is ProviderError
    assert caught.value.message == (
        "Nomad answered 500 to PUT /v1/job/web: 1 error occurred: * Task group web "
        "validation failed: 1 error occurred: * Task group count can't be negative")


def test_an_unchanged_job_plans_as_none() -> None:
    unchanged = plan("plan_unchanged")
    assert unchanged.changes_nothing and unchanged.diff_type == "None"
    assert unchanged.annotations == (GroupAnnotation("web", ignore=1),)
    assert unchanged.failures == () and unchanged.warnings == ""
    assert unchanged.job_modify_index == answer("read").json(dict)["JobModifyIndex"]


def test_a_count_change_places_one_and_updates_one_in_place() -> None:
    count = plan("plan_count")
    assert count.diff_type == "Edited" and not count.changes_nothing
    assert count.annotations == (GroupAnnotation("web", place=1, in_place_update=1),)
    [field] = count.diff["TaskGroups"][0]["Fields"]
    assert (field["Name"], field["Old"], field["New"]) == ("Count", "1", "2")


def test_an_env_change_is_a_destructive_update_with_the_field_diff() -> None:
    env = plan("plan_env")
    assert env.annotations == (GroupAnnotation("web", destructive_update=1),)
    [task] = env.diff["TaskGroups"][0]["Tasks"]
    [field] = task["Fields"]
    assert (field["Name"], field["Old"], field["New"]) == ("Env[MESSAGE]", "hello", "changed")


def test_a_constraint_no_node_meets_is_a_placement_failure() -> None:
    [failure] = plan("plan_constraint_new").failures
    assert failure.group == "worker"
    assert failure.constraint_filtered == {"${attr.kernel.name} = plan9": 1}
    assert (failure.nodes_evaluated, failure.nodes_filtered) == (1, 1)
    assert failure.nodes_available == {"dc1": 1}
    # The same constraint on a placed job: Nomad names the cached class, not the constraint.
    [edited] = plan("plan_constraint").failures
    assert edited.constraint_filtered == {"computed class ineligible": 1}


def test_a_new_job_plans_as_added() -> None:
    new = plan("plan_new")
    assert (new.job_name, new.diff_type, new.job_modify_index) == ("worker", "Added", 0)
    assert new.annotations == (GroupAnnotation("worker", place=1),)


def test_a_malformed_plan_is_a_located_error() -> None:
    body = answer("plan_unchanged").json(dict)
    with pytest.raises(ProviderError, match=r"^Nomad PUT /v1/job/web/plan: the answer has "
                                            r"no numeric JobModifyIndex \(got None\)$"):
        nomad_job_decoding.job_plan("web", {**body, "JobModifyIndex": None},
                               "Nomad PUT /v1/job/web/plan")


def test_every_recording_is_written_by_the_script_and_used_here() -> None:
    spec = importlib.util.spec_from_file_location("record_nomad", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert {path.stem for path in RECORDED.glob("*.json")} == set(script.RECORDINGS)
    source = Path(__file__).read_text().split("def test_every_recording_is_written")[0]
    assert [name for name in script.RECORDINGS if f'"{name}"' not in source] == []
