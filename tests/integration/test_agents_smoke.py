"""What ncplan relies on, proven against the real Consul 1.14 and Nomad 1.6 dev agents."""

from __future__ import annotations

import time
from typing import Any

from agentlib import Agents


def sleep_job(job_id: str, seconds: int = 600) -> dict[str, Any]:
    return {
        "ID": job_id,
        "Name": job_id,
        "Type": "service",
        "Datacenters": ["dc1"],
        "TaskGroups": [{
            "Name": "main",
            "Count": 1,
            "Tasks": [{
                "Name": "sleep",
                "Driver": "raw_exec",
                "Config": {"command": "/bin/sleep", "args": [str(seconds)]},
                "Resources": {"CPU": 50, "MemoryMB": 32},
            }],
        }],
    }


def test_nomad_register_with_enforce_index_plan_read_and_purge(agents: Agents, unique: str) -> None:
    job_id = f"smoke-{unique}"
    job = sleep_job(job_id)

    # EnforceIndex with JobModifyIndex 0 means "register only if the job does not exist".
    created = agents.nomad("PUT", "/v1/jobs", json={"Job": job, "EnforceIndex": True,
                                                     "JobModifyIndex": 0})
    assert created.status_code == 200, created.text
    assert created.json()["JobModifyIndex"] > 0

    read = agents.nomad("GET", f"/v1/job/{job_id}")
    assert read.status_code == 200
    live = read.json()
    assert live["ID"] == job_id
    assert live["TaskGroups"][0]["Tasks"][0]["Config"]["args"] == ["600"]
    index = live["JobModifyIndex"]

    # A stale index is refused, with Nomad's own message.
    conflict = agents.nomad("PUT", "/v1/jobs", json={"Job": job, "EnforceIndex": True,
                                                      "JobModifyIndex": index + 1000})
    assert conflict.status_code >= 400
    assert "Enforcing job modify index" in conflict.text

    # Plan with Diff=true shows a field-level, destructive change.
    changed = sleep_job(job_id, seconds=601)
    plan = agents.nomad("POST", f"/v1/job/{job_id}/plan", json={"Job": changed, "Diff": True})
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["Diff"]["Type"] == "Edited"
    assert body["JobModifyIndex"] == index
    task_diff = body["Diff"]["TaskGroups"][0]["Tasks"][0]
    assert task_diff["Type"] == "Edited"
    assert "Annotations" in task_diff
    assert body["Annotations"]["DesiredTGUpdates"]["main"]

    # The right index is accepted.
    updated = agents.nomad("PUT", "/v1/jobs", json={"Job": changed, "EnforceIndex": True,
                                                     "JobModifyIndex": index})
    assert updated.status_code == 200, updated.text

    # Deregister with purge: the job is gone, not just stopped.
    purged = agents.nomad("DELETE", f"/v1/job/{job_id}", params={"purge": "true"})
    assert purged.status_code == 200, purged.text
    assert agents.nomad("GET", f"/v1/job/{job_id}").status_code == 404


def test_nomad_parses_hcl_jobspec(agents: Agents, unique: str) -> None:
    hcl = f'job "parse-{unique}" {{\n  datacenters = ["dc1"]\n  group "g" {{\n' \
          '    task "t" {\n      driver = "raw_exec"\n' \
          '      config { command = "/bin/true" }\n    }\n  }\n}\n'
    parsed = agents.nomad("POST", "/v1/jobs/parse", json={"JobHCL": hcl, "Canonicalize": True})
    assert parsed.status_code == 200, parsed.text
    job = parsed.json()
    assert job["ID"] == f"parse-{unique}"
    assert job["TaskGroups"][0]["Tasks"][0]["Driver"] == "raw_exec"


def test_consul_service_intentions_with_check_and_set(agents: Agents, unique: str) -> None:
    destination = f"db-{unique}"
    entry = {"Kind": "service-intentions", "Name": destination,
             "Sources": [{"Name": "web", "Action": "allow", "Description": "smoke"}]}

    # cas=0 creates only when the entry does not exist yet.
    assert agents.consul("PUT", "/v1/config", params={"cas": 0}, json=entry).json() is True
    read = agents.consul("GET", f"/v1/config/service-intentions/{destination}")
    assert read.status_code == 200
    live = read.json()
    assert [(s["Name"], s["Action"]) for s in live["Sources"]] == [("web", "allow")]
    index = live["ModifyIndex"]

    # Consul 1.14 answers true to a write of an identical entry, whatever the cas, and
    # writes nothing: the index does not move. ncplan must not read "true" as "changed".
    assert agents.consul("PUT", "/v1/config", params={"cas": 0}, json=entry).json() is True
    unchanged = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    assert unchanged["ModifyIndex"] == index

    # A different entry with cas=0 is refused: it exists already.
    entry["Sources"][0]["Description"] = "changed"
    assert agents.consul("PUT", "/v1/config", params={"cas": 0}, json=entry).json() is False

    # Another writer keeps our source and adds its own.
    entry["Sources"].append({"Name": "other", "Action": "deny"})
    stale = agents.consul("PUT", "/v1/config", params={"cas": index + 1000}, json=entry)
    assert stale.json() is False
    fresh = agents.consul("PUT", "/v1/config", params={"cas": index}, json=entry)
    assert fresh.json() is True
    after = agents.consul("GET", f"/v1/config/service-intentions/{destination}").json()
    assert sorted(s["Name"] for s in after["Sources"]) == ["other", "web"]
    assert after["ModifyIndex"] > index

    # The per-pair read endpoint agrees.
    exact = agents.consul("GET", "/v1/connect/intentions/exact",
                          params={"source": "web", "destination": destination})
    assert exact.status_code == 200, exact.text
    assert exact.json()["Action"] == "allow"

    # Delete with check-and-set: a stale index is refused, the current one accepted.
    path = f"/v1/config/service-intentions/{destination}"
    assert agents.consul("DELETE", path, params={"cas": index}).json() is False
    assert agents.consul("DELETE", path, params={"cas": after["ModifyIndex"]}).json() is True
    assert agents.consul("GET", f"/v1/config/service-intentions/{destination}").status_code == 404


def test_consul_session_kv_lock(agents: Agents, unique: str) -> None:
    key = f"ncplan-smoke/{unique}/.lock"

    def session() -> str:
        created = agents.consul("PUT", "/v1/session/create",
                                json={"Name": "ncplan-smoke", "TTL": "15s", "Behavior": "delete"})
        assert created.status_code == 200, created.text
        return str(created.json()["ID"])

    first, second = session(), session()
    try:
        assert agents.consul("PUT", f"/v1/kv/{key}", params={"acquire": first},
                             data=b"holder-1").json() is True
        # Contention: the second session cannot take a held lock.
        assert agents.consul("PUT", f"/v1/kv/{key}", params={"acquire": second},
                             data=b"holder-2").json() is False
        held = agents.consul("GET", f"/v1/kv/{key}").json()[0]
        assert held["Session"] == first

        renewed = agents.consul("PUT", f"/v1/session/renew/{first}")
        assert renewed.status_code == 200

        assert agents.consul("PUT", f"/v1/kv/{key}", params={"release": first}).json() is True
        assert agents.consul("PUT", f"/v1/kv/{key}", params={"acquire": second},
                             data=b"holder-2").json() is True

        # Destroying the holder's session (what a TTL expiry does) frees the lock; with
        # Behavior=delete the key goes with it.
        assert agents.consul("PUT", f"/v1/session/destroy/{second}").json() is True
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if agents.consul("GET", f"/v1/kv/{key}").status_code == 404:
                break
            time.sleep(0.1)
        assert agents.consul("GET", f"/v1/kv/{key}").status_code == 404
        assert agents.consul("PUT", f"/v1/session/renew/{second}").status_code == 404
    finally:
        for sid in (first, second):
            agents.consul("PUT", f"/v1/session/destroy/{sid}")
        agents.consul("DELETE", f"/v1/kv/ncplan-smoke/{unique}", params={"recurse": "true"})
