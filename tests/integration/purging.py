"""Purge Nomad jobs and wait until Nomad is done with them, so the next test starts clean.

``DELETE /v1/job/:id?purge=true`` answers as soon as the job is gone from the state; the
deregistration's evaluation and the stopping of the job's allocations happen after. Until
they have:

* the scheduler still sees the purged job's allocations (it reads every allocation of a
  job ID, whatever job made it): a new job of the same name planned then gets "1 in-place
  update" or "1 ignore" where a clean agent says "1 create";
* the dev client's CPU and memory stay held by allocations that still run (Nomad frees
  them when the client reports them complete): the next placement fails "cpu exhausted".

* an allocation that had failed before the purge is left as it was, failed and still
  "desired run" (the deregistration stops only allocations that run): the scheduler
  counts it as the new job's own and reschedules it into the new job's deployment, whose
  rollout then never completes ("2 desired" for a count of 1).

So :func:`purge_jobs` waits, with Nomad blocking queries, until no evaluation of those job
IDs is pending and every allocation of them has stopped on the client, then has Nomad
collect the garbage (``PUT /v1/system/gc``) and waits until no allocation of those IDs is
left; and
:func:`wait_all_stopped`, run after every test on the session's agents, waits the same for
whatever a test stopped or purged some other way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from agentlib import Agents, SecureAgents

SETTLE_TIMEOUT = 120.0  # seconds; a dev client stops a task within its kill_timeout (5s)
BLOCKING_WAIT = "5s"
CLIENT_TERMINAL = ("complete", "failed", "lost")
# Allocations Nomad has told to stop that still run (or have not started) on the client.
STOPPING = ('DesiredStatus != "run" and ClientStatus != "complete" and '
            'ClientStatus != "failed" and ClientStatus != "lost"')


def purge_jobs(agents: Agents | SecureAgents, names: Sequence[str],
               timeout: float = SETTLE_TIMEOUT) -> None:
    """Purge the jobs (absent ones are fine) and wait until Nomad has settled them."""
    for name in names:
        agents.nomad("DELETE", f"/v1/job/{quote(name, safe='')}", params={"purge": "true"})
    wait_settled(agents, names, timeout)
    collect_garbage(agents, names, timeout)


def wait_settled(agents: Agents | SecureAgents, names: Sequence[str],
                 timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until no evaluation of these job IDs is pending and every allocation of them
    (of any job that had the ID) has stopped on its client; AssertionError after
    ``timeout`` seconds, naming what is left."""
    deadline = time.monotonic() + timeout
    for name in names:
        base = f"/v1/job/{quote(name, safe='')}"
        _wait(agents, f"{base}/evaluations", {}, deadline, _pending)
        _wait(agents, f"{base}/allocations", {"all": "true"}, deadline,
              lambda allocs: [f"{a['Name']} {a['DesiredStatus']}/{a['ClientStatus']}"
                              for a in allocs if a["ClientStatus"] not in CLIENT_TERMINAL])


def collect_garbage(agents: Agents | SecureAgents, names: Sequence[str],
                    timeout: float = SETTLE_TIMEOUT) -> None:
    """Nomad's garbage collection, then wait until no allocation of these (purged) job IDs
    is left: the collection runs after the request answers."""
    agents.nomad("PUT", "/v1/system/gc").raise_for_status()
    deadline = time.monotonic() + timeout
    for name in names:
        _wait(agents, f"/v1/job/{quote(name, safe='')}/allocations", {"all": "true"}, deadline,
              lambda allocs: [f"{a['Name']} {a['DesiredStatus']}/{a['ClientStatus']}"
                              for a in allocs])


def wait_all_stopped(agents: Agents | SecureAgents, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until no evaluation is pending and no allocation told to stop still runs."""
    deadline = time.monotonic() + timeout
    _wait(agents, "/v1/evaluations", {"filter": 'Status == "pending"'}, deadline, _pending)
    _wait(agents, "/v1/allocations", {"filter": STOPPING}, deadline,
          lambda allocs: [f"{a['Name']} {a['DesiredStatus']}/{a['ClientStatus']}"
                          for a in allocs])


def _pending(evals: list[Any]) -> list[str]:
    """The evaluations the scheduler has still to process now: pending, and not one that
    waits for its time (a reschedule's, whose delay can be minutes)."""
    return [f"{e['JobID']} {e['TriggeredBy']} {e['ID']}" for e in evals
            if e["Status"] == "pending" and str(e.get("WaitUntil", "0001")).startswith("0001")]


def _wait(agents: Agents | SecureAgents, path: str, params: dict[str, str], deadline: float,
          left: Callable[[list[Any]], list[str]]) -> None:
    """Blocking queries on ``path`` until ``left(body)`` is empty."""
    index = "0"
    while True:
        answer = agents.nomad("GET", path, params={**params, "index": index,
                                                   "wait": BLOCKING_WAIT})
        answer.raise_for_status()
        remaining = left(answer.json())
        if not remaining:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Nomad GET {path}: still {remaining} at the deadline")
        index = answer.headers.get("X-Nomad-Index", "0")
