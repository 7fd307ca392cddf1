"""The ordered floor: the floor's writes, each sent once the writes it needs are answered.

What needs what comes from the rendered document alone, as ncplan's graph has it:
the service-intentions entry of ``D`` needs ``D``'s job (the callee runs first), and the
job of every source ``S`` in it needs the entry (``S`` calls ``D`` once allowed).
A destroy runs the same graph backwards. Writes go out at most ``concurrency`` at a
time over one requests session that keeps that many connections alive.
"""

from __future__ import annotations

import graphlib
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter


@dataclass(frozen=True)
class Write:
    """One request of the floor: ``key`` names it in the graph (``job:NAME``,
    ``entry:KIND/NAME``)."""

    key: str
    api: str  # "Nomad" | "Consul"
    method: str
    path: str
    body: Any = None


def job_key(name: str) -> str:
    return f"job:{name}"


def entry_key(entry: Mapping[str, Any]) -> str:
    return f"entry:{entry['Kind']}/{entry['Name']}"


def needs(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """For an apply: each write's key -> the keys of the writes it waits for."""
    jobs: Mapping[str, Any] = document.get("nomad_jobs", {})
    graph: dict[str, set[str]] = {job_key(name): set() for name in jobs}
    for entry in document.get("consul_config_entries", ()):
        key = entry_key(entry)
        graph[key] = {job_key(entry["Name"])} if entry["Name"] in jobs else set()
        for source in entry.get("Sources") or ():
            if source.get("Name") in jobs:
                graph[job_key(source["Name"])].add(key)
    return graph


def reversed_needs(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """For a destroy: a write waits for every write that needed it at apply time."""
    back: dict[str, set[str]] = {key: set() for key in graph}
    for key, wanted in graph.items():
        for other in wanted:
            back[other].add(key)
    return back


def writes(stage: str, document: Mapping[str, Any]) -> dict[str, Write]:
    """The floor's writes of ``stage`` (apply or destroy) by key."""
    found: dict[str, Write] = {}
    for name, payload in document.get("nomad_jobs", {}).items():
        key = job_key(name)
        found[key] = (Write(key, "Nomad", "POST", "/v1/jobs", {"Job": payload["Job"]})
                      if stage == "apply" else
                      Write(key, "Nomad", "DELETE", f"/v1/job/{quote(name)}?purge=true"))
    for entry in document.get("consul_config_entries", ()):
        key = entry_key(entry)
        found[key] = (Write(key, "Consul", "PUT", "/v1/config", dict(entry))
                      if stage == "apply" else
                      Write(key, "Consul", "DELETE",
                            f"/v1/config/{entry['Kind']}/{quote(entry['Name'])}"))
    return found


def session(concurrency: int) -> requests.Session:
    http = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=concurrency)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def run(stage: str, document: Mapping[str, Any], nomad: str, consul: str,
        concurrency: int) -> dict[str, int]:
    """Send ``stage``'s writes in dependency order; returns the count per API."""
    graph = needs(document)
    order = graphlib.TopologicalSorter(graph if stage == "apply" else reversed_needs(graph))
    order.prepare()
    todo = writes(stage, document)
    http = session(concurrency)
    base = {"Nomad": nomad, "Consul": consul}
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def send(write: Write) -> str:
        answer = http.request(write.method, base[write.api] + write.path, json=write.body,
                              timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"{write.method} {write.path}: {answer.status_code} "
                               f"{answer.text[:300]}")
        with lock:
            counts[write.api] = counts.get(write.api, 0) + 1
        return write.key

    with ThreadPoolExecutor(concurrency) as pool:
        running: set[Future[str]] = set()
        while order.is_active():
            for key in order.get_ready():
                running.add(pool.submit(send, todo[key]))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                order.done(future.result())
    return counts


def keys_in_order(stage: str, document: Mapping[str, Any]) -> Sequence[str]:
    """One order the writes may go in (for the tests): a topological order."""
    graph = needs(document)
    return list(graphlib.TopologicalSorter(
        graph if stage == "apply" else reversed_needs(graph)).static_order())
