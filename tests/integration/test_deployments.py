"""Following rollouts against the real Nomad dev agent: a healthy service, a command that
does not exist, a batch job, and a rollout slower than the wait timeout."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest
from agentlib import Agents
from purging import purge_jobs

from ncplan.orchestration.rollout import RolloutWaiter
from ncplan.planner.model import Action, ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.providers.nomad_deployment import DeploymentWatcher
from ncplan.providers.nomad_job import NomadJobs
from ncplan.transport.http import Answer, HttpClient, RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings


def jobspec(name: str, command: str, args: list[str], *, job_type: str = "service",
            min_healthy: str = "1s", constraint: str = "") -> str:
    update = (f'update {{\n    min_healthy_time = "{min_healthy}"\n'
              f'    healthy_deadline = "60s"\n    progress_deadline = "90s"\n  }}'
              if job_type == "service" else "")
    return f"""
job "{name}" {{
  datacenters = ["dc1"]
  type        = "{job_type}"
  {update}
  {constraint}

  group "app" {{
    restart {{
      attempts = 0
      mode     = "fail"
    }}

    reschedule {{
      attempts  = 0
      unlimited = false
    }}

    task "server" {{
      driver = "raw_exec"

      config {{
        command = "{command}"
        args    = {json.dumps(args)}
      }}

      resources {{
        cpu    = 20
        memory = 16
      }}
    }}
  }}
}}
"""


def settings(agents: Agents) -> NomadHttpSettings:
    return NomadHttpSettings(address=agents.nomad_addr)


def register(agents: Agents, hcl: str) -> tuple[str, int]:
    jobs = NomadJobs(settings(agents), retry=RetryPolicy(tries=2, backoff=0.1))
    job = jobs.parse(hcl)
    return job["ID"], jobs.register(job, 0)


def follow(agents: Agents, hcl: str, timeout: float = 120.0,
           ) -> tuple[DeploymentProgress, list[DeploymentProgress]]:
    name, index = register(agents, hcl)
    seen: list[DeploymentProgress] = []
    try:
        watcher = DeploymentWatcher(settings(agents), timeout=timeout, blocking_wait=5.0)
        return watcher.follow(name, index, seen.append), seen
    finally:
        purge_jobs(agents, [name])


def test_a_healthy_service_succeeds_and_reports_its_progress(
        agents: Agents, unique: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Mapping[str, str]] = []
    call = HttpClient.call

    def counted(self: HttpClient, method: str, path: str, **kwargs: Any) -> Answer:
        sent.append(kwargs.get("params") or {})
        return call(self, method, path, **kwargs)

    monkeypatch.setattr(HttpClient, "call", counted)
    final, seen = follow(agents, jobspec(f"ok-{unique}", "/bin/sleep", ["3600"]))
    # blocking queries: a handful of requests, each after the first carrying ?index=&wait=
    assert len(sent) < 12, len(sent)
    assert any("index" in params and "wait" in params for params in sent)
    assert final.status == "successful", final
    assert (final.desired, final.placed, final.healthy, final.unhealthy) == (1, 1, 1, 0)
    assert final.description == "Deployment completed successfully"
    assert seen[-1] == final and seen[0].status == "running"
    assert all(a != b for a, b in itertools.pairwise(seen))  # changes only


def test_a_command_that_does_not_exist_fails_with_the_driver_failure(agents: Agents,
                                                                    unique: str) -> None:
    final, seen = follow(agents, jobspec(f"bad-{unique}", "/nonexistent/cmd", []))
    assert final.status == "failed"
    assert final.reason.startswith('task "server": Driver Failure: failed to launch command')
    assert "/nonexistent/cmd" in final.reason
    assert seen[-1] == final


def test_a_batch_job_is_done_when_its_allocation_runs_or_completes(agents: Agents,
                                                                  unique: str) -> None:
    hcl = jobspec(f"once-{unique}", "/bin/sh", ["-c", "sleep 1"], job_type="batch")
    final, _ = follow(agents, hcl)
    assert final.status == "successful", final
    assert final.description in ("allocations running", "allocations complete")
    assert (final.placed, final.healthy) == (1, 1)


def test_a_broken_batch_job_fails_with_the_driver_failure(agents: Agents,
                                                          unique: str) -> None:
    hcl = jobspec(f"oncebad-{unique}", "/nonexistent/cmd", [], job_type="batch")
    final, _ = follow(agents, hcl)
    assert final.status == "failed"
    assert final.reason.startswith('task "server": Driver Failure:')


def test_a_rollout_slower_than_the_timeout_fails_saying_so(agents: Agents,
                                                           unique: str) -> None:
    hcl = jobspec(f"slow-{unique}", "/bin/sleep", ["3600"], min_healthy="30s")
    final, _ = follow(agents, hcl, timeout=3.0)
    assert final.status == "failed"
    assert final.reason == "did not become healthy within 3s"


def test_an_unplaceable_job_times_out_naming_the_constraint(agents: Agents,
                                                            unique: str) -> None:
    unmet = 'constraint {\n    attribute = "${attr.kernel.name}"\n    value = "plan9"\n  }'
    hcl = jobspec(f"nowhere-{unique}", "/bin/sleep", ["3600"], constraint=unmet)
    final, seen = follow(agents, hcl, timeout=3.0)
    placement = 'group "app" could not be placed: 1 node filtered by ${attr.kernel.name} = plan9'
    assert final.reason == f"did not become healthy within 3s; {placement}"
    assert seen[0].description == placement


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        with self.lock:
            self.calls.append((change.address, progress.status))


def test_the_engines_waiter_reports_through_the_hooks(agents: Agents, unique: str) -> None:
    name, index = register(agents, jobspec(f"hooked-{unique}", "/bin/sleep", ["3600"]))
    change = ResourceChange(address=f"nomad_job.{name}", kind="nomad_job", name=name,
                            action=Action.CREATE)
    hooks = Recorder()
    try:
        final = RolloutWaiter(settings(agents), timeout=120.0)(change, index, hooks)  # type: ignore[arg-type]
    finally:
        purge_jobs(agents, [name])
    assert final.status == "successful"
    assert hooks.calls[-1] == (f"nomad_job.{name}", "successful")


def test_a_stop_ends_the_follow_after_the_query_in_flight(agents: Agents, unique: str) -> None:
    """The apply was interrupted: the watcher asks nothing more once ``stop`` is set and
    returns its progress as it was, still running."""
    hcl = jobspec(f"stopped-{unique}", "/bin/sleep", ["3600"], min_healthy="50s")
    name, index = register(agents, hcl)
    stop = threading.Event()
    seen: list[DeploymentProgress] = []
    try:
        watcher = DeploymentWatcher(settings(agents), timeout=120.0, blocking_wait=2.0)
        timer = threading.Timer(3.0, stop.set)
        timer.start()
        began = time.monotonic()
        final = watcher.follow(name, index, seen.append, stop)
        took = time.monotonic() - began
    finally:
        purge_jobs(agents, [name])
    assert final.status == "running" and took < 3.0 + 2.0 * 1.1 + 2
    assert seen and seen[-1] == final
