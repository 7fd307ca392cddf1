"""The real jobspecs of ../shared/real-jobs and the jobspec example against the real
agents: each plans with no error from ncplan (Nomad's placement failures for docker jobs
are expected and shown), 11's dynamic upstreams appear once Nomad parsed it, a value its
``validation`` block refuses comes back located, and a raw_exec jobspec applied is clean
on the next plan. Where the real jobs come from, and when these tests skip: real_jobs.py.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import EXAMPLES, agent_env, ncplan, wipe

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "config"))

from real_jobs import CASES, DYNAMIC_11, Case, lay_out

JOB_NAMES = tuple(sorted({job for case in CASES for job in case.jobs}
                         | {"count-api", "dashboard"}))


@pytest.fixture(autouse=True)
def clean(agents: Agents) -> Iterator[None]:
    wipe(agents, JOB_NAMES)
    yield
    wipe(agents, JOB_NAMES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.folder)
def test_each_real_jobspec_plans_against_the_real_agents(agents: Agents, tmp_path: Path,
                                                         case: Case) -> None:
    directory = lay_out(case, tmp_path)
    run = ncplan(directory, ["plan", "--detailed-exitcode"], agent_env(agents))
    assert run.exit_code == 2, run.both
    assert "Error" not in run.both
    assert run.stderr == ""  # no partial-graph note: Nomad parsed every job
    for job in case.jobs:
        assert f"# nomad_job.{job} will be created" in run.stdout
    assert "Placement failure: group" in run.stdout  # docker/exec: not on this dev node
    assert f"Plan: {len(case.jobs)} to add, 0 to change, 0 to destroy." in run.stdout


def test_graph_shows_the_dynamic_upstreams_once_nomad_parsed_the_job(
        agents: Agents, tmp_path: Path) -> None:
    directory = lay_out(CASES[6], tmp_path)
    run = ncplan(directory, ["graph"], agent_env(agents))
    assert run.exit_code == 0, run.both
    assert run.stderr == ""
    for name in (*DYNAMIC_11, "dgraph-zero-0-grpc-private", "plugin-work-queue"):
        assert f"-> {name} (in this job)" in run.stdout  # grapl-core serves them all


def test_more_replicas_make_more_dynamic_upstreams(agents: Agents, tmp_path: Path) -> None:
    directory = lay_out(CASES[6], tmp_path)
    run = ncplan(directory, ["graph", "--var", "dgraph_replicas=3"], agent_env(agents))
    assert run.exit_code == 0, run.both
    for index in range(3):
        assert f"-> dgraph-zero-{index}-grpc-private (in this job)" in run.stdout


def test_a_value_the_jobspecs_validation_refuses_is_located(agents: Agents,
                                                            tmp_path: Path) -> None:
    directory = lay_out(CASES[6], tmp_path)
    env = {**agent_env(agents), "NOMAD_VAR_dgraph_replicas": "2"}
    run = ncplan(directory, ["plan"], env)
    assert run.exit_code == 1
    message = " ".join(run.stderr.split())
    assert "Error: nomad_job.grapl-core (grapl-core.nomad.hcl:296:1): Nomad rejected the job" \
        in message
    assert ('the value given for variable "dgraph_replicas": Invalid value for varfile '
            "variable; "
            "This value must be odd. Otherwise dgraph_zero will exit.") in message
    assert "checked by the validation rule at grapl-core.nomad.hcl:39:3" in message


def test_a_raw_exec_jobspec_with_services_applies_then_plans_clean(agents: Agents,
                                                                  tmp_path: Path) -> None:
    directory = tmp_path / "jobspec-mesh"
    shutil.copytree(EXAMPLES / "jobspec-mesh", directory)
    env = {**agent_env(agents), "NCPLAN_VAR_consul_binary": str(agents.consul_binary)}
    first = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert first.exit_code == 2, first.both
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in first.stdout
    order = first.stdout[first.stdout.index("Apply order"):]
    assert order.index("nomad_job.count-api") < order.index(
        "consul_intention.dashboard:count-api") < order.index("nomad_job.dashboard")
    assert "Placement failure" not in first.stdout

    applied = ncplan(directory, ["apply", "--auto-approve", "--no-wait"], env)
    assert applied.exit_code == 0, applied.both
    live = agents.nomad("GET", "/v1/job/count-api").json()
    assert live["Meta"]["team"] == "counting"  # the dynamic block, expanded by Nomad
    assert set(live["Meta"]) == {"team", "ncplan_lineage"}  # and the ownership mark
    proxy = live["TaskGroups"][0]["Tasks"][1]["Config"]
    assert proxy["command"] == str(agents.consul_binary)  # the ncplan variable's value
    second = ncplan(directory, ["plan", "--detailed-exitcode"], env)
    assert second.exit_code == 0, second.both
    assert "No changes. Your infrastructure matches the configuration." in second.stdout


DYNAMIC_CALLER = '''variable "peers" {
  type = list(string)
}

job "caller" {
  datacenters = ["dc1"]
  group "caller" {
    network {
      mode = "bridge"
    }
    service {
      name = "caller"
      connect {
        sidecar_service {
          proxy {
            dynamic "upstreams" {
              for_each = var.peers
              content {
                destination_name = upstreams.value
                local_bind_port  = 9000 + upstreams.key
              }
            }
          }
        }
      }
    }
    task "caller" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["3600"]
      }
    }
  }
}
'''


def test_plan_orders_the_apply_by_upstreams_only_nomad_expands(agents: Agents,
                                                               tmp_path: Path) -> None:
    directory = tmp_path / "dynamic"
    directory.mkdir()
    (directory / "caller.nomad.hcl").write_text(DYNAMIC_CALLER)
    (directory / "count-api.nomad.hcl").write_text(
        (EXAMPLES / "jobspec-mesh" / "count-api.nomad.hcl").read_text())
    env = {**agent_env(agents), "NOMAD_VAR_peers": '["count-api"]',
           "NOMAD_VAR_consul_binary": str(agents.consul_binary)}
    run = ncplan(directory, ["plan"], env)
    assert run.exit_code == 0, run.both
    assert run.stderr == ""
    order = run.stdout[run.stdout.index("Apply order"):]
    assert "1. nomad_job.count-api" in order and "2. nomad_job.caller" in order
    offline = ncplan(directory, ["plan", "--no-refresh"], env)
    assert 'the graph is partial: job "caller"' in offline.stderr
