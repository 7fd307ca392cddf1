"""purging.purge_jobs, the tests' cleanup, on the real agents: when it returns, Nomad has
processed the deregistration, the client has stopped the job's allocations (their CPU and
memory are free) and none is left in Nomad's state, not even a failed one (which a new job
of the same name would otherwise reschedule as its own)."""

from __future__ import annotations

import time
from typing import Any

from agentlib import Agents
from meshlib import wait_running
from purging import CLIENT_TERMINAL, purge_jobs, wait_all_stopped

# A task that takes two seconds to stop once Nomad signals it (within the 5s kill_timeout):
# right after the purge answers, its allocation still runs on the client.
SLOW_TO_STOP = "trap 'sleep 2; exit 0' INT TERM; while true; do sleep 0.2; done"


def slow_job(job_id: str, script: str = SLOW_TO_STOP) -> dict[str, Any]:
    return {"ID": job_id, "Name": job_id, "Type": "service", "Datacenters": ["dc1"],
            "TaskGroups": [{"Name": "main", "Count": 1,
                            "RestartPolicy": {"Attempts": 0, "Mode": "fail"},
                            "Tasks": [{"Name": "slow", "Driver": "raw_exec",
                                       "Config": {"command": "/bin/sh", "args": ["-c", script]},
                                       "Resources": {"CPU": 50, "MemoryMB": 32}}]}]}


def allocations(agents: Agents, job_id: str) -> list[dict[str, Any]]:
    """Every allocation of the job ID, of any job that had it (a purged one's included)."""
    answer = agents.nomad("GET", f"/v1/job/{job_id}/allocations", params={"all": "true"})
    found: list[dict[str, Any]] = answer.json()
    return found


def not_stopped(agents: Agents, job_id: str) -> list[str]:
    return [a["ClientStatus"] for a in allocations(agents, job_id)
            if a["ClientStatus"] not in CLIENT_TERMINAL]


def test_purge_jobs_returns_once_the_allocations_have_stopped(agents: Agents,
                                                               unique: str) -> None:
    names = [f"slow-a-{unique}", f"slow-b-{unique}", f"never-{unique}"]  # the last: absent
    for name in names[:2]:
        assert agents.nomad("PUT", "/v1/jobs", json={"Job": slow_job(name)}).ok
    for name in names[:2]:
        wait_running(agents, name)

    purge_jobs(agents, names)

    for name in names:
        assert agents.nomad("GET", f"/v1/job/{name}").status_code == 404
        assert allocations(agents, name) == []


def test_purge_jobs_leaves_no_failed_allocation_behind(agents: Agents, unique: str) -> None:
    name = f"failing-{unique}"
    assert agents.nomad("PUT", "/v1/jobs", json={"Job": slow_job(name, "exit 1")}).ok
    deadline = time.monotonic() + 60
    while [a["ClientStatus"] for a in allocations(agents, name)] != ["failed"]:
        assert time.monotonic() < deadline, allocations(agents, name)
        time.sleep(0.2)

    purge_jobs(agents, [name])

    assert allocations(agents, name) == []


def test_wait_all_stopped_waits_for_a_job_stopped_another_way(agents: Agents,
                                                              unique: str) -> None:
    name = f"slow-{unique}"
    assert agents.nomad("PUT", "/v1/jobs", json={"Job": slow_job(name)}).ok
    wait_running(agents, name)
    assert agents.nomad("DELETE", f"/v1/job/{name}").ok  # stopped, not purged

    wait_all_stopped(agents)

    assert not_stopped(agents, name) == []
    purge_jobs(agents, [name])
