"""Record Nomad's answers for the unit tests of the nomad_job provider.

Starts a real Consul + Nomad dev pair (scripts/devagents.py), registers a small raw_exec
job and writes the JSON answers of read, parse, plan, register and their failures to
tests/unit/providers/recorded/nomad/NAME.json, each as
``{"request": {...}, "status": N, "body": <JSON or text>}``. Run it again after a Nomad
upgrade: ``PYTHONPATH=$PWD python3 tests/record/record_nomad.py``.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "providers" / "recorded" / "nomad"

# Every file the script writes; tests/unit/providers checks that each one is used.
RECORDINGS = (
    "read", "read_absent", "parse", "parse_error", "register", "register_conflict",
    "register_invalid", "plan_unchanged", "plan_count", "plan_env", "plan_constraint",
    "plan_constraint_new", "plan_new",
)

JOB_HCL = """
variable "message" {
  type = string
}

job "web" {
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 1

    task "web" {
      driver = "raw_exec"

      config {
        command = "/bin/sh"
        args    = ["-c", "sleep 3600"]
      }

      env {
        MESSAGE = var.message
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
"""

BAD_HCL = 'job "web" {\n  group "web" {\n    count = \n  }\n}\n'


def record(http: Any, name: str, method: str, path: str, body: Any = None) -> Any:
    """Send one request, write its answer to OUT/name.json and return the decoded body."""
    answer = http.call(method, path, body=body, accept=range(100, 600))
    try:
        decoded: Any = json.loads(answer.text)
    except json.JSONDecodeError:
        decoded = answer.text
    entry = {"request": {"method": method, "path": path, "body": body},
             "status": answer.status, "body": decoded}
    (OUT / f"{name}.json").write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")
    print(f"recorded {name}: {method} {path} -> {answer.status}")
    return decoded


def variant(job: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``job`` with one change made through ``changes`` (see main)."""
    changed = copy.deepcopy(job)
    group = changed["TaskGroups"][0]
    if "count" in changes:
        group["Count"] = changes["count"]
    if "env" in changes:
        group["Tasks"][0]["Env"] = changes["env"]
    if "constraint" in changes:
        changed["Constraints"] = [changes["constraint"]]
    if "name" in changes:
        changed["ID"] = changed["Name"] = changes["name"]
        group["Name"] = group["Tasks"][0]["Name"] = changes["name"]
    return changed


def record_all(http: Any) -> None:
    job = record(http, "parse", "POST", "/v1/jobs/parse",
                 {"JobHCL": JOB_HCL, "Canonicalize": True, "Variables": 'message = "hello"\n'})
    record(http, "parse_error", "POST", "/v1/jobs/parse",
           {"JobHCL": BAD_HCL, "Canonicalize": True, "Variables": ""})
    record(http, "read_absent", "GET", "/v1/job/absent")
    created = record(http, "register", "PUT", "/v1/job/web",
                     {"Job": job, "EnforceIndex": True, "JobModifyIndex": 0})
    index = created["JobModifyIndex"]
    record(http, "register_conflict", "PUT", "/v1/job/web",
           {"Job": variant(job, count=3), "EnforceIndex": True, "JobModifyIndex": index - 1})
    record(http, "register_invalid", "PUT", "/v1/job/web",
           {"Job": variant(job, count=-1), "EnforceIndex": True, "JobModifyIndex": index})
    record(http, "read", "GET", "/v1/job/web")
    unmet = {"LTarget": "${attr.kernel.name}", "RTarget": "plan9", "Operand": "="}
    plans = {
        "plan_unchanged": job,
        "plan_count": variant(job, count=2),
        "plan_env": variant(job, env={"MESSAGE": "changed"}),
        "plan_constraint": variant(job, constraint=unmet),
        # A new job names the constraint; an edited one whose node already failed it in
        # the same evaluation reports "computed class ineligible" instead.
        "plan_constraint_new": variant(job, name="worker", constraint=unmet),
        "plan_new": variant(job, name="worker"),
    }
    for name, body in plans.items():
        record(http, name, "PUT", f"/v1/job/{body['ID']}/plan", {"Job": body, "Diff": True})


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import devagents

    from ncplan.transport.http import RetryPolicy
    from ncplan.transport.nomad import NomadHttpSettings

    OUT.mkdir(parents=True, exist_ok=True)
    pair = devagents.start()
    try:
        http = NomadHttpSettings(address=pair.nomad_addr).client(retry=RetryPolicy(tries=1))
        record_all(http)
        http.call("DELETE", "/v1/job/web", params={"purge": "true"})
    finally:
        pair.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
