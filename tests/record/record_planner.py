"""Record the Nomad and Consul answers the planner's unit tests diff against.

Starts a real Consul + Nomad dev pair (scripts/devagents.py), writes the examples' jobs
and config entries the way apply will (the rendered bodies), then records what the
servers answer: the live jobs (with every field Nomad fills in and the tasks it
injects), Nomad's plans of unchanged and changed jobs, a job changed and one stopped
outside ncplan, a raw job parsed, and the config entries with a source ncplan does not
manage. Each answer goes to tests/unit/planner/recorded/NAME.json as
``{"request": {...}, "status": N, "body": ...}``.
Run it again after an agent upgrade: ``PYTHONPATH=$PWD python3 tests/record/record_planner.py``.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "planner" / "recorded"
EXAMPLES = ROOT / "examples"


class Recorder:
    def __init__(self, nomad: str, consul: str) -> None:
        self.base = {"nomad": nomad, "consul": consul}

    def call(self, name: str | None, server: str, method: str, path: str,
             body: Any = None) -> Any:
        answer = requests.request(method, self.base[server] + path, json=body, timeout=30)
        try:
            decoded: Any = answer.json()
        except ValueError:
            decoded = answer.text
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text}")
        if name is not None:
            entry = {"request": {"server": server, "method": method, "path": path,
                                 "body": body}, "status": answer.status_code, "body": decoded}
            (OUT / f"{name}.json").write_text(json.dumps(entry, indent=2, sort_keys=True)
                                              + "\n")
            print(f"recorded {name}: {method} {path} -> {answer.status_code}")
        return decoded


def desired(example: str) -> dict[str, Any]:
    from ncplan.config import load_config
    from ncplan.resources.desired import lower_config

    config = load_config(EXAMPLES / example, use_cache=False).config
    found: dict[str, Any] = {r.address: r for r in lower_config(config)}
    found["config"] = config
    return found


def record_jobs(rec: Recorder) -> None:
    builtin = copy.deepcopy(dict(desired("connect-on-nomad")["nomad_job.web"].body))
    envoy = copy.deepcopy(dict(desired("envoy-mesh")["nomad_job.api"].body))
    for job in (builtin, envoy):
        rec.call(None, "nomad", "PUT", "/v1/jobs", {"Job": job})
    rec.call("job_web_live", "nomad", "GET", "/v1/job/web")
    rec.call("job_api_live", "nomad", "GET", "/v1/job/api")
    rec.call("plan_web_unchanged", "nomad", "PUT", "/v1/job/web/plan",
             {"Job": builtin, "Diff": True})
    rec.call("plan_api_unchanged", "nomad", "PUT", "/v1/job/api/plan",
             {"Job": envoy, "Diff": True})
    counted = copy.deepcopy(builtin)
    counted["TaskGroups"][0]["Count"] = 2
    rec.call("plan_web_count", "nomad", "PUT", "/v1/job/web/plan",
             {"Job": counted, "Diff": True})
    # Someone runs the job with another env outside ncplan: live drifts from the state.
    edited = copy.deepcopy(builtin)
    edited["TaskGroups"][0]["Tasks"][0]["Env"] = {"DATABASE_URL": "postgresql://elsewhere/db"}
    rec.call(None, "nomad", "PUT", "/v1/jobs", {"Job": edited})
    rec.call("job_web_edited_live", "nomad", "GET", "/v1/job/web")
    rec.call("drift_plan_web_edited", "nomad", "PUT", "/v1/job/web/plan",
             {"Job": builtin, "Diff": True})
    rec.call(None, "nomad", "DELETE", "/v1/job/web")
    rec.call("job_web_stopped_live", "nomad", "GET", "/v1/job/web")
    rec.call("plan_web_stopped", "nomad", "PUT", "/v1/job/web/plan",
             {"Job": builtin, "Diff": True})


def record_raw_job(rec: Recorder) -> None:
    config = desired("connect-on-nomad-raw")["config"]
    raw = config.job("db")
    parsed = rec.call("raw_db_parsed", "nomad", "POST", "/v1/jobs/parse",
                      {"JobHCL": raw.source, "Canonicalize": True})
    rec.call(None, "nomad", "PUT", "/v1/jobs", {"Job": parsed})
    rec.call("raw_db_live", "nomad", "GET", "/v1/job/db")
    rec.call("plan_raw_db_unchanged", "nomad", "PUT", "/v1/job/db/plan",
             {"Job": parsed, "Diff": True})


def record_consul(rec: Recorder) -> None:
    mesh = desired("envoy-mesh")
    defaults = dict(mesh["consul_service_defaults.api"].body)
    rec.call(None, "consul", "PUT", "/v1/config", defaults)
    rec.call("service_defaults_api_live", "consul", "GET", "/v1/config/service-defaults/api")
    # A source ncplan does not manage, written before ncplan's own (Consul keeps it so).
    l7 = dict(mesh["consul_intention.frontend:api"].body)
    foreign = {"Name": "admin", "Action": "deny", "Description": "not managed by ncplan"}
    rec.call(None, "consul", "PUT", "/v1/config",
             {"Kind": "service-intentions", "Name": "api", "Sources": [foreign, l7]})
    rec.call("intentions_api_live", "consul", "GET", "/v1/config/service-intentions/api")
    l4 = dict(mesh["consul_intention.api:db"].body)
    rec.call(None, "consul", "PUT", "/v1/config",
             {"Kind": "service-intentions", "Name": "db",
              "Sources": [{"Name": "*", "Action": "deny"}, l4]})  # Consul re-sorts
    rec.call("intentions_db_live", "consul", "GET", "/v1/config/service-intentions/db")
    rec.call("catalog_services", "consul", "GET", "/v1/catalog/services")


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    import devagents

    OUT.mkdir(parents=True, exist_ok=True)
    pair = devagents.start()
    try:
        rec = Recorder(pair.nomad_addr, pair.consul_addr)
        record_jobs(rec)
        record_raw_job(rec)
        record_consul(rec)
    finally:
        pair.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
