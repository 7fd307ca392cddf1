"""The nomad_job provider against the real Nomad dev agent, and the HTTP policy against
a local 127.0.0.1 server that answers what a test needs (503, 409, 400)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "providers"))
from local_http import HANG, serve

from ncplan.config.model import NomadSettings
from ncplan.errors import CheckAndSetConflict, ProviderError, ProviderUnreachable
from ncplan.providers.nomad_job import NomadJobs
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

FAST = RetryPolicy(tries=3, backoff=0.01)

JOB_HCL = """
variable "message" {
  type    = string
  default = "hello"
}

job "%s" {
  datacenters = ["dc1"]

  group "app" {
    count = 1

    task "app" {
      driver = "raw_exec"

      config {
        command = "/bin/sh"
        args    = ["-c", "sleep 3600"]
      }

      env {
        MESSAGE = var.message
      }

      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


def _jobs(address: str, **block: str) -> NomadJobs:
    settings = NomadHttpSettings.resolve(NomadSettings(address=address, **block), env={})
    return NomadJobs(settings, retry=FAST, timeout=5)


@pytest.fixture
def nomad(agents: Agents) -> NomadJobs:
    return _jobs(agents.nomad_addr)


@pytest.fixture
def job(nomad: NomadJobs, unique: str) -> Any:
    parsed = nomad.parse(JOB_HCL % f"web-{unique}", {"message": "hello"})
    yield parsed
    nomad.deregister(parsed["ID"], purge=True)


def test_read_of_an_absent_job_is_none(nomad: NomadJobs, unique: str) -> None:
    assert nomad.read(f"absent-{unique}") is None


def test_parse_gives_the_canonical_job_with_the_variables(nomad: NomadJobs) -> None:
    parsed = nomad.parse(JOB_HCL % "parsed", {"message": 'a "quoted" ${not} template'})
    assert parsed["ID"] == "parsed"
    assert parsed["Namespace"] == "default"  # canonicalized
    assert parsed["TaskGroups"][0]["Tasks"][0]["Env"] == \
        {"MESSAGE": 'a "quoted" ${not} template'}


def test_bad_hcl_raises_with_nomads_own_message(nomad: NomadJobs) -> None:
    with pytest.raises(ProviderError) as caught:
        nomad.parse('job "x" {\n  group "g" {\n    count = \n  }\n}\n')
    assert caught.value.status == 400
    assert "input.hcl:" in caught.value.message


def test_register_create_read_plan_and_deregister(nomad: NomadJobs, job: Any) -> None:
    name = job["ID"]
    assert nomad.plan(job).diff_type == "Added"
    index = nomad.register(job, 0)
    live = nomad.read(name)
    assert live is not None and live.modify_index == index and not live.stopped
    unchanged = nomad.plan(job)
    assert unchanged.changes_nothing and unchanged.job_modify_index == index
    job["TaskGroups"][0]["Count"] = 2
    edited = nomad.plan(job)
    assert edited.diff_type == "Edited"
    assert [(a.group, a.place) for a in edited.annotations] == [("app", 1)]
    nomad.deregister(name, purge=False)
    stopped = nomad.read(name)
    assert stopped is not None and stopped.stopped
    nomad.deregister(name, purge=True)
    assert nomad.read(name) is None


def test_a_constraint_no_node_meets_is_a_placement_failure(nomad: NomadJobs, job: Any) -> None:
    job["Constraints"] = [{"LTarget": "${attr.kernel.name}", "RTarget": "plan9",
                           "Operand": "="}]
    plan = nomad.plan(job)
    [failure] = plan.failures
    assert failure.group == "app" and failure.nodes_evaluated >= 1
    assert failure.constraint_filtered == {"${attr.kernel.name} = plan9": 1}


def test_a_stale_index_conflicts_and_overwrites_nothing(nomad: NomadJobs, job: Any) -> None:
    name = job["ID"]
    first = nomad.register(job, 0)
    job["TaskGroups"][0]["Count"] = 2
    second = nomad.register(job, first)
    job["TaskGroups"][0]["Count"] = 3
    with pytest.raises(CheckAndSetConflict) as caught:
        nomad.register(job, first)
    assert caught.value.message == \
        f"nomad_job.{name} changed since the plan (index {first} -> {second}); run plan again"
    with pytest.raises(CheckAndSetConflict, match=rf"\(index 0 -> {second}\)"):
        nomad.register(job, 0)  # "create" of a job someone else created
    live = nomad.read(name)
    assert live is not None and live.modify_index == second
    assert live.body["TaskGroups"][0]["Count"] == 2


def test_a_job_nomad_rejects_raises_with_nomads_validation_message(
        nomad: NomadJobs, job: Any) -> None:
    job["TaskGroups"][0]["Count"] = -1
    with pytest.raises(ProviderError) as caught:
        nomad.register(job, 0)
    assert not isinstance(caught.value, CheckAndSetConflict)
    assert "count can't be negative" in caught.value.message.lower()
    assert nomad.read(job["ID"]) is None


def test_an_unknown_namespace_is_sent_and_refused(agents: Agents, job: Any) -> None:
    elsewhere = _jobs(agents.nomad_addr, namespace="no-such-namespace")
    with pytest.raises(ProviderError, match="no-such-namespace"):
        elsewhere.register(job, 0)


def test_an_unreachable_agent_names_the_address_and_the_variable(unique: str) -> None:
    nomad = _jobs("http://127.0.0.1:1")
    with pytest.raises(ProviderUnreachable) as caught:
        nomad.read(f"web-{unique}")
    assert caught.value.message == \
        "cannot reach Nomad at http://127.0.0.1:1 (Connection refused; 3 tries)"
    assert caught.value.hint == "is the Nomad agent running? set NOMAD_ADDR to its address"


def test_a_503_is_retried_then_reported() -> None:
    with serve([(503, "No cluster leader")]) as server, pytest.raises(ProviderError) as caught:
        _jobs(server.url).read("web")
    assert server.requests == ["GET /v1/job/web"] * 3
    assert caught.value.message == \
        "Nomad answered 503 to GET /v1/job/web after 3 tries: No cluster leader"


def test_a_503_then_an_answer_succeeds() -> None:
    body = '{"ID": "web", "JobModifyIndex": 7, "Status": "running"}'
    with serve([(503, "No cluster leader"), (200, body)]) as server:
        live = _jobs(server.url).read("web")
    assert live is not None and live.modify_index == 7
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 409])
def test_a_4xx_is_not_retried(status: int) -> None:
    expected = f"answered {status} to GET /v1/job/web: nope"
    with serve([(status, "nope")]) as server, pytest.raises(ProviderError, match=expected):
        _jobs(server.url).read("web")
    assert server.requests == ["GET /v1/job/web"]


def test_a_read_timeout_is_retried_for_a_read_and_not_for_a_write() -> None:
    with serve([(HANG, "0.5")]) as server:
        nomad = NomadJobs(NomadHttpSettings(address=server.url), retry=FAST, timeout=0.2)
        with pytest.raises(ProviderUnreachable, match=r"\(no answer within 0.2 s; 3 tries\)"):
            nomad.read("web")
        with pytest.raises(ProviderUnreachable, match=r"\(no answer within 0.2 s; 1 try\)"):
            nomad.register({"ID": "web"}, 0)
    assert server.requests == ["GET /v1/job/web"] * 3 + ["PUT /v1/job/web"]


def test_a_refused_write_is_retried() -> None:
    with pytest.raises(ProviderUnreachable, match=r"\(Connection refused; 3 tries\)"):
        _jobs("http://127.0.0.1:1").register({"ID": "web"}, 0)


def test_a_check_and_set_conflict_is_not_retried_and_reads_the_current_index() -> None:
    conflict = "Enforcing job modify index 3: job exists with conflicting job modify index: 5"
    job = '{"ID": "web", "JobModifyIndex": 5}'
    expected = r"^nomad_job.web changed since the plan \(index 3 -> 5\); run plan again$"
    with serve([(500, conflict), (200, job)]) as server, \
            pytest.raises(CheckAndSetConflict, match=expected):
        _jobs(server.url).register({"ID": "web"}, 3)
    assert server.requests == ["PUT /v1/job/web", "GET /v1/job/web"]


def test_region_and_namespace_go_with_every_request() -> None:
    with serve([(404, "job not found")]) as server:
        nomad = _jobs(server.url, region="eu", namespace="apps")
        assert nomad.read("web") is None
        nomad.deregister("web", purge=True)
    assert server.requests == ["GET /v1/job/web?region=eu&namespace=apps",
                               "DELETE /v1/job/web?region=eu&namespace=apps&purge=true"]
