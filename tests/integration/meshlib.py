"""Running Connect services on the real agents: wait for an allocation, find its ports,
send bytes through a proxy and wait for them to come back (or to be refused)."""

from __future__ import annotations

import socket
import time
from typing import Any

from agentlib import Agents


def wait_running(agents: Agents, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        allocs = agents.nomad("GET", f"/v1/job/{job_id}/allocations").json()
        last = allocs
        running = [a for a in allocs if a["ClientStatus"] == "running"
                   and all(t["State"] == "running" for t in a["TaskStates"].values())]
        if running:
            return dict(agents.nomad("GET", f"/v1/allocation/{running[0]['ID']}").json())
        time.sleep(0.5)
    raise AssertionError(f"{job_id} not running after {timeout}s: {last}")


def port_of(alloc: dict[str, Any], label: str) -> int:
    for port in alloc["AllocatedResources"]["Shared"]["Ports"]:
        if port["Label"] == label:
            return int(port["Value"])
    raise AssertionError(f"no port {label} in {alloc['AllocatedResources']['Shared']}")


def echo_through(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
        return received


def eventually_echo(port: int, payload: bytes, timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            received = echo_through(port, payload)
            if received == payload:
                return received
            error = AssertionError(f"received {received!r}")
        except OSError as exc:
            error = exc
        time.sleep(0.5)
    raise AssertionError(f"no echo through 127.0.0.1:{port} after {timeout}s: {error!r}")


def eventually_refused(port: int, payload: bytes, timeout: float = 30) -> None:
    """New connections through the proxy stop echoing (the intention now denies them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            received = echo_through(port, payload)
        except OSError:
            received = b""
        if received != payload:
            return
        time.sleep(0.5)
    raise AssertionError(f"bytes still come back through 127.0.0.1:{port} after {timeout}s")
