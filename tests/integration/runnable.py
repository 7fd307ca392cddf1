"""The examples made runnable on the test agents, through the knobs they offer.

examples/connect-on-nomad takes its programs and Consul's address as variables: db becomes a
TCP echo server (`COMMAND -bind 127.0.0.1:PORT`, as the guide starts its database), web a
sleeper, the sidecars run the agents' consul binary against the agents' Consul.
examples/connect-on-nomad-raw is the seed guide's text, passed to Nomad verbatim: its proxies
run /usr/local/bin/consul against the node's agent, so the test's copy points that path at a
wrapper that runs the agents' consul binary with CONSUL_HTTP_ADDR set (the one line a node
without /usr/local/bin/consul on 127.0.0.1:8500 has to change).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from agentlib import Agents

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

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
GUIDE_CONSUL = "/usr/local/bin/consul"


def _executable(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def connect_variables(tmp_path: Path, agents: Agents) -> dict[str, str]:
    """Values for examples/connect-on-nomad's variables that run it on ``agents``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    return {"db_command": _executable(bin_dir / "echo-db", f"#!{sys.executable}\n{ECHO_SERVER}"),
            "web_command": _executable(bin_dir / "sleeper", SLEEPER),
            "consul_binary": str(agents.consul_binary),
            "consul_agent": agents.consul_addr}


def as_env(variables: dict[str, str]) -> dict[str, str]:
    """The variables as ncplan's environment (``NCPLAN_VAR_<name>``)."""
    return {f"NCPLAN_VAR_{name}": value for name, value in variables.items()}


def copy_connect_example(tmp_path: Path) -> Path:
    directory = tmp_path / "connect-on-nomad"
    shutil.copytree(EXAMPLES / "connect-on-nomad", directory,
                    ignore=shutil.ignore_patterns(".ncplan", "ncplan.state.json*"))
    return directory


def copy_raw_example(tmp_path: Path, agents: Agents) -> Path:
    """A copy of examples/connect-on-nomad-raw whose proxies reach the agents' Consul."""
    directory = tmp_path / "connect-on-nomad-raw"
    shutil.copytree(EXAMPLES / "connect-on-nomad-raw", directory,
                    ignore=shutil.ignore_patterns(".ncplan"))
    wrapper = _executable(tmp_path / "consul",
                          f"#!/bin/sh\nCONSUL_HTTP_ADDR={agents.consul_addr} "
                          f'exec {agents.consul_binary} "$@"\n')
    jobs = directory / "jobs.hcl"
    text = jobs.read_text()
    assert text.count(f'command = "{GUIDE_CONSUL}"') == 2, "the guide's two proxies"
    jobs.write_text(text.replace(GUIDE_CONSUL, wrapper))
    return directory
