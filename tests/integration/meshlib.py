"""Running Connect services on the real agents: wait for an allocation, find its ports,
send bytes through a proxy and wait for them to come back (or to be refused)."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
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


# The example's db command, run as `COMMAND -bind 127.0.0.1:${NOMAD_PORT_tcp}`: an echo server.
ECHO_SERVER = """\
import socket, sys, threading
host, port = sys.argv[sys.argv.index("-bind") + 1].rsplit(":", 1)
srv = socket.create_server((host, int(port)))
def serve(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""
SLEEPER = "#!/bin/sh\nexec sleep 3600\n"


def mesh_programs(bin_dir: Path) -> tuple[str, str]:
    """Write the echo server (db) and the sleeper (web) as executables; their paths."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in (("echo-db", f"#!{sys.executable}\n{ECHO_SERVER}"),
                       ("sleeper", SLEEPER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
        paths.append(str(bin_dir / name))
    return paths[0], paths[1]
