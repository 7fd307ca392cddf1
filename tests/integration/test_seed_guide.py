"""The seed guide ("Connect on Nomad") end to end, on the real agents.

A job "db" runs a tiny TCP echo server bound to 127.0.0.1 beside a `connect-proxy` raw_exec
task running `consul connect proxy -service db -service-addr ... -listen ... -register`. A
job "web" runs `consul connect proxy -service web -upstream db:PORT`. With an allow
intention web -> db, bytes sent to web's upstream port come back from the echo server
through the two proxies; with a deny intention the connection is refused.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from agentlib import Agents
from meshlib import echo_through, eventually_echo, port_of, wait_running
from purging import purge_jobs

ECHO_SERVER = """
import os, socket, threading
srv = socket.create_server(("127.0.0.1", int(os.environ["NOMAD_PORT_tcp"])))
def serve(conn):
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def raw_task(name: str, command: str, args: list[str], env: dict[str, str] | None = None,
             ) -> dict[str, Any]:
    return {"Name": name, "Driver": "raw_exec", "Config": {"command": command, "args": args},
            "Env": env or {}, "Resources": {"CPU": 50, "MemoryMB": 64}}


def db_job(job_id: str, service: str, agents: Agents) -> dict[str, Any]:
    consul_env = {"CONSUL_HTTP_ADDR": agents.consul_addr}
    return {
        "ID": job_id, "Name": job_id, "Type": "service", "Datacenters": ["dc1"],
        "TaskGroups": [{
            "Name": "db", "Count": 1,
            "Networks": [{"DynamicPorts": [{"Label": "tcp"}, {"Label": "connect"}]}],
            "Tasks": [
                raw_task("db", sys.executable, ["-c", ECHO_SERVER]),
                raw_task("connect-proxy", str(agents.consul_binary), [
                    "connect", "proxy", "-service", service,
                    "-service-addr", "127.0.0.1:${NOMAD_PORT_tcp}",
                    "-listen", "127.0.0.1:${NOMAD_PORT_connect}",
                    "-register",
                ], consul_env),
            ],
        }],
    }


def web_job(job_id: str, service: str, upstream: str, agents: Agents) -> dict[str, Any]:
    consul_env = {"CONSUL_HTTP_ADDR": agents.consul_addr}
    return {
        "ID": job_id, "Name": job_id, "Type": "service", "Datacenters": ["dc1"],
        "TaskGroups": [{
            "Name": "web", "Count": 1,
            "Networks": [{"DynamicPorts": [{"Label": "tcp"}]}],
            "Tasks": [
                raw_task("web", "/bin/sleep", ["3600"]),
                raw_task("proxy", str(agents.consul_binary), [
                    "connect", "proxy", "-service", service,
                    "-upstream", f"{upstream}:${{NOMAD_PORT_tcp}}",
                ], consul_env),
            ],
        }],
    }


def set_intention(agents: Agents, source: str, destination: str, action: str) -> None:
    entry = {"Kind": "service-intentions", "Name": destination,
             "Sources": [{"Name": source, "Action": action}]}
    response = agents.consul("PUT", "/v1/config", json=entry)
    assert response.status_code == 200 and response.json() is True, response.text


@pytest.fixture
def seed_jobs(agents: Agents, unique: str) -> Iterator[tuple[str, str, int]]:
    db, web = f"db-{unique}", f"web-{unique}"
    set_intention(agents, web, db, "allow")
    registered = []
    try:
        for job in (db_job(db, db, agents), web_job(web, web, db, agents)):
            response = agents.nomad("PUT", "/v1/jobs", json={"Job": job})
            assert response.status_code == 200, response.text
            registered.append(job["ID"])
        wait_running(agents, db)
        web_alloc = wait_running(agents, web)
        yield db, web, port_of(web_alloc, "tcp")
    finally:
        purge_jobs(agents, registered)
        agents.consul("DELETE", f"/v1/config/service-intentions/{db}")


def test_allow_then_deny_through_builtin_proxies(agents: Agents,
                                                 seed_jobs: tuple[str, str, int]) -> None:
    db, web, upstream_port = seed_jobs

    payload = b"hello through connect\n"
    assert eventually_echo(upstream_port, payload) == payload

    # The db proxy registered itself in Consul as a Connect-native proxy for db.
    proxies = agents.consul("GET", f"/v1/catalog/connect/{db}").json()
    assert proxies, "the db proxy did not register itself"

    set_intention(agents, web, db, "deny")
    deadline = time.monotonic() + 30
    refused = False
    while time.monotonic() < deadline:
        try:
            received = echo_through(upstream_port, payload)
        except OSError:
            received = b""
        if received != payload:
            refused = True
            break
        time.sleep(0.5)
    assert refused, "the deny intention did not stop new connections"

    set_intention(agents, web, db, "allow")
    assert eventually_echo(upstream_port, payload) == payload
