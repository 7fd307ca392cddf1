"""Record Nomad's ``/v1/jobs/parse`` answers for the unit tests of jobspec files.

Starts a real Consul + Nomad dev pair (scripts/devagents.py), or uses the Nomad at
``NOMAD_ADDR`` when it is set, and writes tests/unit/providers/recorded/jobspec/NAME.json,
each ``{"request": {...}, "status": N, "body": <JSON or text>}``: a job whose upstreams
come from a ``dynamic`` block, a ``consul connect proxy -upstream`` task and a meta
``ncplan_depends_on``; a value a ``validation`` block refuses; a value of the wrong type.
Run it again after a Nomad upgrade: ``PYTHONPATH=$PWD python3 tests/record/record_jobspec.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "providers" / "recorded" / "jobspec"
sys.path.insert(0, str(ROOT))

from ncplan.providers.nomad_job import hcl_variables  # noqa: E402

RECORDINGS = ("parse_dependencies", "parse_validation", "parse_wrong_type")

JOB_HCL = """variable "peers" {
  type = list(string)
}

variable "replicas" {
  type = number
  validation {
    condition     = var.replicas > 0
    error_message = "The replicas must be at least 1."
  }
}

job "mesh" {
  datacenters = ["dc1"]
  meta {
    ncplan_depends_on = "vault, db"
  }

  group "api" {
    count = var.replicas
    network {
      mode = "bridge"
    }
    service {
      name = "api"
      port = "9090"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "static"
              local_bind_port  = 7000
            }
            dynamic "upstreams" {
              for_each = var.peers
              iterator = peer
              content {
                destination_name = "peer-${peer.value}"
                local_bind_port  = 8000 + peer.key
              }
            }
          }
        }
      }
    }
    task "api" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["3600"]
      }
    }
    task "proxy" {
      driver = "raw_exec"
      config {
        command = "/usr/local/bin/consul"
        args    = ["connect", "proxy", "-service", "api", "-upstream", "cache:${NOMAD_PORT_up}"]
      }
    }
  }
}
"""

CASES: dict[str, dict[str, Any]] = {
    "parse_dependencies": {"peers": ["a", "b"], "replicas": 1},
    "parse_validation": {"peers": [], "replicas": 0},
    "parse_wrong_type": {"peers": [], "replicas": "many"},
}


def record_all(nomad: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, values in CASES.items():
        request = {"JobHCL": JOB_HCL, "Canonicalize": True, "Variables": hcl_variables(values)}
        answer = requests.post(nomad + "/v1/jobs/parse", json=request, timeout=30)
        try:
            body: Any = answer.json()
        except ValueError:
            body = answer.text
        entry = {"request": {"method": "POST", "path": "/v1/jobs/parse", "body": request},
                 "status": answer.status_code, "body": body}
        (OUT / f"{name}.json").write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")


def main() -> int:
    nomad = os.environ.get("NOMAD_ADDR")
    if nomad:
        record_all(nomad.rstrip("/"))
        return 0
    sys.path.insert(0, str(ROOT / "scripts"))
    import devagents

    pair = devagents.start()
    try:
        record_all(pair.nomad_addr)
    finally:
        pair.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
