"""Record the secure pair's answers that the sidecar identity providers parse.

    python3 tests/record/record_identity.py

starts a secure pair (scripts/devagents.py ``start(secure=True)``: Consul ACLs default
deny and Nomad ACLs, HTTPS, free ports), plays the exchanges below with the management
tokens (and one with a token that has no ACL rights) and writes each scenario to
tests/unit/providers/recorded/identity/NAME.json as
``{"scenario", "versions", "exchanges": [{"api", "method", "path", "status", "text"}]}``
(``text``: the body exactly as sent, since the providers parse it themselves). Then it
stops the pair, so every token and secret recorded is dead. The unit tests serve these
answers to the providers; nothing in them is written by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "unit" / "providers" / "recorded" / "identity"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import devagents  # noqa: E402

from ncplan.resources.sidecar_identity import token_body  # noqa: E402


class Recorder:
    def __init__(self, pair: devagents.AgentPair) -> None:
        self.pair = pair
        self.exchanges: list[dict[str, Any]] = []

    def __call__(self, api: str, method: str, path: str, body: Any = None,
                 params: dict[str, str] | None = None, token: str | None = None) -> Any:
        address = self.pair.consul_addr if api == "consul" else self.pair.nomad_addr
        header = "X-Consul-Token" if api == "consul" else "X-Nomad-Token"
        response = requests.request(
            method, address + path, params=params, json=body, timeout=10,
            verify=str(self.pair.ca_file),
            headers={header: token if token is not None else self.pair.token(api) or ""})
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        self.exchanges.append({"api": api, "method": method, "path": path + query,
                               "status": response.status_code, "text": response.text})
        try:
            return response.json()
        except ValueError:
            return response.text

    def save(self, name: str, scenario: str) -> None:
        document = {"scenario": scenario,
                    "versions": {"consul": devagents.CONSUL.version,
                                 "nomad": devagents.NOMAD.version},
                    "exchanges": self.exchanges}
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{name}.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        self.exchanges = []
        print(f"recorded {name}.json")


def record_tokens(rec: Recorder) -> None:
    body = token_body("db")
    path = f"/v1/acl/token/{body['AccessorID']}"
    rec("consul", "GET", path)
    rec("consul", "GET", "/v1/acl/token/self")
    rec.save("token_absent", "db's token read before it exists: 403 ACL not found; the "
             "caller's own token is valid")
    rec("consul", "PUT", "/v1/acl/token", body)
    rec("consul", "GET", path)
    rec("consul", "PUT", path, {**body, "Description": "changed by hand"})
    rec.save("token_lifecycle", "db's token created with its AccessorID, read, updated")
    rec("consul", "GET", path, token="00000000-0000-0000-0000-000000000001")
    rec.save("token_unknown_caller", "a read with a token Consul does not know: 403 "
             "ACL not found too")
    weak = rec("consul", "PUT", "/v1/acl/token", {"Description": "no acl rights"})
    rec("consul", "GET", path, token=weak["SecretID"])
    rec("consul", "PUT", "/v1/acl/token", {**token_body("web")}, token=weak["SecretID"])
    rec.save("token_refused", "a token without acl rights reads and creates: 403 "
             "Permission denied")
    rec("consul", "DELETE", path)
    rec("consul", "DELETE", path)
    rec.save("token_deleted", "db's token deleted, then deleted again (both true)")


def record_variables(rec: Recorder) -> None:
    path = "/v1/var/nomad/jobs/db"
    body = {"Path": "nomad/jobs/db", "Items": {"consul_token": "recorded-secret-1"}}
    rec("nomad", "GET", path)
    rec("nomad", "PUT", path, body, {"cas": "0"})
    first = rec("nomad", "GET", path)
    rec("nomad", "PUT", path, {**body, "Items": {"consul_token": "recorded-secret-2"}},
        {"cas": "0"})
    rec("nomad", "PUT", path, {**body, "Items": {"consul_token": "recorded-secret-2"}},
        {"cas": str(first["ModifyIndex"])})
    rec.save("variable_lifecycle", "nomad/jobs/db absent (404), created with cas=0, read, "
             "a second create refused (409 with the variable), updated with its index")
    rec("nomad", "DELETE", path, params={"cas": str(first["ModifyIndex"])})
    latest = rec("nomad", "GET", path)
    rec("nomad", "DELETE", path, params={"cas": str(latest["ModifyIndex"])})
    rec("nomad", "DELETE", path, params={"cas": str(latest["ModifyIndex"])})
    rec.save("variable_delete", "a stale delete refused (409), a delete with the index, "
             "deleted again")


def main() -> None:
    pair = devagents.start(secure=True)
    try:
        rec = Recorder(pair)
        record_tokens(rec)
        record_variables(rec)
    finally:
        pair.stop()


if __name__ == "__main__":
    main()
