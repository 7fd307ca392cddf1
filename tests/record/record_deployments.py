"""Record Nomad's answers about rollouts for the unit tests of the deployment watcher.

Starts a real Consul + Nomad dev pair (scripts/devagents.py) and registers four raw_exec
jobs: ``healthy`` (a service that runs, short update block), ``broken`` (a service whose
command does not exist: Driver Failure), ``batch`` (runs and completes) and
``batch-broken`` (a batch job whose command does not exist), and ``unplaceable`` (a
constraint no node meets). For each it writes what the
watcher reads, at each stage (just after registering, and when done), to
tests/unit/providers/recorded/deployments/NAME.json as
``{"request": {...}, "status": N, "body": <JSON>}``. Run it again after a Nomad upgrade:
``PYTHONPATH=$PWD python3 tests/record/record_deployments.py``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "providers" / "recorded" / "deployments"
DONE_WITHIN = 90.0

# Every file the script writes; tests/unit/providers checks that each one is used.
RECORDINGS = (
    "healthy_register", "healthy_versions", "healthy_evaluations", "healthy_job_deployment",
    "healthy_deployment_running", "healthy_deployment_successful", "healthy_allocations",
    "broken_register", "broken_versions", "broken_evaluations", "broken_job_deployment",
    "broken_deployment_failed", "broken_deployment_allocations",
    "batch_register", "batch_versions", "batch_evaluations", "batch_job_deployment",
    "batch_allocations_started", "batch_allocations_complete",
    "batch_broken_register", "batch_broken_versions", "batch_broken_allocations_failed",
    "unplaceable_register", "unplaceable_versions", "unplaceable_evaluations",
    "unplaceable_job_deployment", "unplaceable_allocations",
)

UPDATE = """
  update {
    min_healthy_time  = "1s"
    healthy_deadline  = "30s"
    progress_deadline = "60s"
  }
"""


UNMET = """
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "plan9"
  }
"""


def jobspec(name: str, job_type: str, command: str, args: list[str],
            constraint: str = "") -> str:
    """A one-task raw_exec job; a failing task is neither restarted nor rescheduled."""
    update = UPDATE if job_type == "service" else ""
    return f"""
job "{name}" {{
  datacenters = ["dc1"]
  type        = "{job_type}"
{update}{constraint}
  group "app" {{
    count = 1

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


JOBS = {
    "healthy": jobspec("healthy", "service", "/bin/sleep", ["3600"]),
    "broken": jobspec("broken", "service", "/nonexistent/cmd", []),
    "batch": jobspec("batch", "batch", "/bin/sh", ["-c", "sleep 2"]),
    "batch-broken": jobspec("batch-broken", "batch", "/nonexistent/cmd", []),
    "unplaceable": jobspec("unplaceable", "service", "/bin/sleep", ["3600"], UNMET),
}


def record(http: Any, name: str, method: str, path: str, body: Any = None) -> Any:
    """Send one request, write its answer to OUT/name.json and return the decoded body."""
    answer = http.call(method, path, body=body, accept=range(100, 600))
    decoded = json.loads(answer.text)
    entry = {"request": {"method": method, "path": path, "body": body},
             "status": answer.status, "body": decoded}
    (OUT / f"{name}.json").write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")
    print(f"recorded {name}: {method} {path} -> {answer.status}")
    return decoded


def until(what: str, read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    """Read until ``done`` (plain polling is fine for a recording script)."""
    deadline = time.monotonic() + DONE_WITHIN
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.5)
    raise SystemExit(f"{what} was not done within {DONE_WITHIN:g} s")


def register(http: Any, prefix: str, name: str) -> int:
    job = http.call("POST", "/v1/jobs/parse",
                    body={"JobHCL": JOBS[name], "Canonicalize": True}).json(dict)
    created = record(http, f"{prefix}_register", "PUT", f"/v1/job/{name}",
                     {"Job": job, "EnforceIndex": True, "JobModifyIndex": 0})
    index: int = created["JobModifyIndex"]
    record(http, f"{prefix}_versions", "GET", f"/v1/job/{name}/versions")
    return index


def evaluated(http: Any, prefix: str, name: str, index: int) -> None:
    def processed(evals: Any) -> bool:
        return any(e.get("JobModifyIndex") == index and e["Status"] != "pending"
                   for e in evals)

    until(f"{name}'s evaluation", lambda: http.call("GET", f"/v1/job/{name}/evaluations")
          .json(list), processed)
    record(http, f"{prefix}_evaluations", "GET", f"/v1/job/{name}/evaluations")


def record_service(http: Any, name: str, final: str) -> None:
    index = register(http, name, name)
    evaluated(http, name, name, index)
    deployment = record(http, f"{name}_job_deployment", "GET", f"/v1/job/{name}/deployment")
    path = f"/v1/deployment/{deployment['ID']}"
    if name == "healthy":
        record(http, f"{name}_deployment_running", "GET", path)
    until(f"{name}'s deployment", lambda: http.call("GET", path).json(dict),
          lambda body: body["Status"] == final)
    record(http, f"{name}_deployment_{final}", "GET", path)
    if name == "healthy":
        record(http, f"{name}_allocations", "GET", f"/v1/job/{name}/allocations")
    else:
        record(http, f"{name}_deployment_allocations", "GET",
               f"/v1/deployment/allocations/{deployment['ID']}")


def record_batch(http: Any) -> None:
    index = register(http, "batch", "batch")
    evaluated(http, "batch", "batch", index)
    record(http, "batch_job_deployment", "GET", "/v1/job/batch/deployment")
    path = "/v1/job/batch/allocations"
    until("batch's start", lambda: http.call("GET", path).json(list),
          lambda allocs: any(a["ClientStatus"] == "running" for a in allocs))
    record(http, "batch_allocations_started", "GET", path)
    until("batch's end", lambda: http.call("GET", path).json(list),
          lambda allocs: allocs and all(a["ClientStatus"] == "complete" for a in allocs))
    record(http, "batch_allocations_complete", "GET", path)
    register(http, "batch_broken", "batch-broken")
    path = "/v1/job/batch-broken/allocations"
    until("batch-broken's failure", lambda: http.call("GET", path).json(list),
          lambda allocs: any(a["ClientStatus"] == "failed" for a in allocs))
    record(http, "batch_broken_allocations_failed", "GET", path)


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import devagents

    from ncplan.transport.http import RetryPolicy
    from ncplan.transport.nomad import NomadHttpSettings

    OUT.mkdir(parents=True, exist_ok=True)
    pair = devagents.start()
    try:
        http = NomadHttpSettings(address=pair.nomad_addr).client(retry=RetryPolicy(tries=1))
        record_service(http, "healthy", "successful")
        record_service(http, "broken", "failed")
        record_batch(http)
        index = register(http, "unplaceable", "unplaceable")
        evaluated(http, "unplaceable", "unplaceable", index)
        record(http, "unplaceable_job_deployment", "GET", "/v1/job/unplaceable/deployment")
        record(http, "unplaceable_allocations", "GET", "/v1/job/unplaceable/allocations")
    finally:
        pair.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
