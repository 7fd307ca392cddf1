"""Record Consul 1.14's answers that the Consul providers parse, from a real dev agent.

    python3 tests/record/record_consul.py

starts a Consul and Nomad dev pair (scripts/devagents.py, free ports) and a second
Consul dev agent with ACLs on and default policy deny (free ports too), plays the
exchanges below and writes each scenario to
tests/unit/providers/recorded/consul/NAME.json as
``{"scenario", "consul_version", "exchanges": [{"method", "path", "status", "body"}]}``
(``body``: the JSON answer, or the text when it is not JSON; ``default_acl_policy``: the
``X-Consul-Default-Acl-Policy`` header Consul adds to every answer). Then it stops both.
The unit tests turn these answers into live objects through the providers' own parse
functions; nothing in them is written by hand.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "providers" / "recorded" / "consul"
sys.path.insert(0, str(ROOT / "scripts"))

import devagents  # noqa: E402

OURS = {"Name": "web", "Action": "allow", "Description": "web reads db"}


class Recorder:
    def __init__(self, address: str, token: str | None = None) -> None:
        self.address = address
        self.http = requests.Session()
        if token:
            self.http.headers["X-Consul-Token"] = token
        self.exchanges: list[dict[str, Any]] = []

    def __call__(self, method: str, path: str, body: Any = None,
                 params: dict[str, str] | None = None) -> Any:
        response = self.http.request(method, self.address + path, params=params,
                                     json=body, timeout=10)
        try:
            answer: Any = response.json()
        except ValueError:
            answer = response.text
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        self.exchanges.append({"method": method, "path": path + query,
                               "status": response.status_code, "body": answer,
                               "default_acl_policy":
                                   response.headers.get("X-Consul-Default-Acl-Policy")})
        return answer

    def save(self, name: str, scenario: str) -> None:
        document = {"scenario": scenario, "consul_version": devagents.CONSUL.version,
                    "exchanges": self.exchanges}
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{name}.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        self.exchanges = []
        print(f"recorded {name}.json")


def record_intentions(rec: Recorder) -> None:
    entry = {"Kind": "service-intentions", "Name": "db", "Sources": [OURS]}
    rec("PUT", "/v1/config", entry, {"cas": "0"})
    # a source written outside ncplan, the way the UI and `consul intention create` do
    rec("PUT", "/v1/connect/intentions/exact", {"Action": "deny", "Description": "by hand"},
        {"source": "api", "destination": "db"})
    rec("GET", "/v1/config/service-intentions/db")
    rec.save("intentions_two_sources", "ncplan's source web plus a foreign source api "
             "(written through /v1/connect/intentions/exact), read back")

    live = rec("GET", "/v1/config/service-intentions/db")
    index = live["ModifyIndex"]
    rewrite = {k: v for k, v in live.items() if k not in ("CreateIndex", "ModifyIndex")}
    rewrite["Sources"] = [{k: v for k, v in s.items() if k != "Precedence"}
                          for s in live["Sources"]]
    rec("PUT", "/v1/config", rewrite, {"cas": "1"})  # identical, stale cas
    rec("GET", "/v1/config/service-intentions/db")
    rec.save("intentions_identical_rewrite", f"the same entry written again with a stale "
             f"cas=1 (ModifyIndex {index}): Consul answers true and writes nothing")

    changed = {**rewrite, "Sources": [*rewrite["Sources"][:1]]}
    rec("PUT", "/v1/config", changed, {"cas": "1"})
    rec("DELETE", "/v1/config/service-intentions/db", params={"cas": "1"})
    rec("GET", "/v1/config/service-intentions/db")
    rec.save("intentions_cas_failure", "a changed entry written, then deleted, with a stale "
             "cas=1: both answer false and the entry is unchanged")

    rec("DELETE", "/v1/config/service-intentions/db", params={"cas": str(index)})
    rec("GET", "/v1/config/service-intentions/db")
    rec("DELETE", "/v1/config/service-intentions/db", params={"cas": str(index)})
    rec.save("intentions_missing", "the entry deleted with the right cas, then read (404) "
             "and deleted again")


def record_legacy_source(rec: Recorder) -> None:
    rec("POST", "/v1/connect/intentions",
        {"SourceName": "legacy", "DestinationName": "cache", "Action": "allow",
         "Meta": {"owner": "ops"}})
    live = rec("GET", "/v1/config/service-intentions/cache")
    with_meta = {k: v for k, v in live.items() if k not in ("CreateIndex", "ModifyIndex")}
    with_meta["Sources"] = [*live["Sources"], OURS]
    rec("PUT", "/v1/config", with_meta, {"cas": str(live["ModifyIndex"])})
    legacy = ("Precedence", "LegacyID", "LegacyMeta", "LegacyCreateTime", "LegacyUpdateTime")
    with_meta["Sources"] = [{k: v for k, v in s.items() if k not in legacy}
                            for s in with_meta["Sources"]]
    rec("PUT", "/v1/config", with_meta, {"cas": str(live["ModifyIndex"])})
    rec("GET", "/v1/config/service-intentions/cache")
    rec.save("intentions_legacy_source", "a source made through the legacy intentions API "
             "(Legacy* fields), a config-entry write that keeps them (refused), one without "
             "them (accepted), read back")


def record_service_defaults(rec: Recorder) -> None:
    entry = {"Kind": "service-defaults", "Name": "db", "Protocol": "tcp"}
    rec("PUT", "/v1/config", entry, {"cas": "0"})
    first = rec("GET", "/v1/config/service-defaults/db")
    rec("PUT", "/v1/config", {**entry, "Protocol": "http"}, {"cas": "0"})
    rec("PUT", "/v1/config", {**entry, "Protocol": "http"},
        {"cas": str(first["ModifyIndex"])})
    rec("GET", "/v1/config/service-defaults/db")
    rec("DELETE", "/v1/config/service-defaults/db", params={"cas": "1"})
    rec.save("service_defaults", "created with cas=0, a second create refused, updated with "
             "its index, a stale delete refused")


def record_config_entries(rec: Recorder) -> None:
    """examples/canary's entries (the splitter and the mesh entry with an ncplan mark),
    each kind listed, the mesh entry deleted (answered ``{}``), the rest cleaned up."""
    for entry in (
            {"Kind": "service-defaults", "Name": "api", "Protocol": "http"},
            {"Kind": "service-resolver", "Name": "api", "DefaultSubset": "stable",
             "Subsets": {"stable": {"Filter": "Service.Meta.version == stable"},
                         "canary": {"Filter": "Service.Meta.version == canary"}}},
            {"Kind": "service-splitter", "Name": "api", "Meta": {"ncplan-lineage": "L1"},
             "Splits": [{"Weight": 90, "ServiceSubset": "stable"},
                        {"Weight": 10, "ServiceSubset": "canary"}]},
            {"Kind": "mesh", "Meta": {"ncplan-lineage": "L1"}}):
        rec("PUT", "/v1/config", entry, {"cas": "0"})
    for kind in ("service-resolver", "service-splitter", "mesh"):
        rec("GET", f"/v1/config/{kind}")
    rec("DELETE", "/v1/config/mesh/mesh")
    rec.save("config_entries_listed", "examples/canary's entries and a mesh entry written, "
             "each kind listed (the mesh entry without a Name), the mesh entry deleted")
    for kind in ("service-splitter", "service-resolver", "service-defaults"):
        rec("DELETE", f"/v1/config/{kind}/api")
    rec.exchanges = []


def record_agent(rec: Recorder) -> None:
    rec("GET", "/v1/agent/self")
    rec.save("agent_self", "the dev agent's own config: ACLs off, default policy allow")
    rec.http.put(rec.address + "/v1/agent/service/register", timeout=10,
                 json={"Name": "db", "Port": 5432, "Tags": ["primary"]})
    rec("GET", "/v1/catalog/services")
    rec.save("catalog_services", "the catalog with the consul service and a db service")


def record_acl_agent(address: str) -> None:
    token = requests.put(address + "/v1/acl/bootstrap", timeout=10).json()["SecretID"]
    rec = Recorder(address, token)
    rec("GET", "/v1/agent/self")
    rec.save("agent_self_acl_deny", "an agent with ACLs on and default policy deny, read "
             "with a management token")
    anonymous = Recorder(address)
    anonymous("GET", "/v1/agent/self")
    anonymous("GET", "/v1/catalog/services")
    anonymous.save("agent_self_forbidden", "the same agent read with no token: agent/self "
                   "is refused (the default policy is still in the header) and the catalog "
                   "answers an empty object")


@contextlib.contextmanager
def acl_consul() -> Iterator[str]:
    """A Consul dev agent with ACLs on, default deny, on free ports; stopped by its pid."""
    http, grpc, lan, wan, server = devagents.free_ports(5)
    run = Path(tempfile.mkdtemp(prefix="ncplan-record-"))
    cmd = [str(devagents.CONSUL.binary), "agent", "-dev", "-bind", "127.0.0.1",
           "-client", "127.0.0.1", "-node", "ncplan-acl", "-http-port", str(http),
           "-grpc-port", str(grpc), "-dns-port", "-1", "-serf-lan-port", str(lan),
           "-serf-wan-port", str(wan), "-server-port", str(server),
           "-hcl", "disable_update_check = true", "-hcl", "ports { grpc_tls = -1 }",
           "-hcl", 'acl { enabled = true\n default_policy = "deny" }']
    with (run / "consul.log").open("ab") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    address = f"http://127.0.0.1:{http}"
    try:
        deadline = time.monotonic() + 60
        while not _leader(address):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the ACL Consul did not start: see {run}/consul.log")
            time.sleep(0.5)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


def _leader(address: str) -> bool:
    try:
        return bool(requests.get(address + "/v1/status/leader", timeout=2).json())
    except (requests.RequestException, ValueError):
        return False


def main() -> int:
    pair = devagents.start()
    try:
        rec = Recorder(pair.consul_addr)
        record_intentions(rec)
        record_legacy_source(rec)
        record_service_defaults(rec)
        record_config_entries(rec)
        record_agent(rec)
    finally:
        pair.stop()
    with acl_consul() as address:
        record_acl_agent(address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
