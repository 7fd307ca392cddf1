"""examples/connect-on-nomad exactly as ncplan renders it, run on the real agents.

`ncplan render --format json` of a copy of the example, with its command variables pointing
at a TCP echo server (db) and a sleeper (web) and its consul variables at the test's agents.
The rendered jobs are registered with Nomad as they are, the rendered service-intentions entry
written to Consul as it is. Bytes sent to web's upstream port (its builtin sidecar) come back
from db's echo server under allow, are refused once the configuration says deny and that
rendering is written, and come back again under allow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from meshlib import eventually_echo, eventually_refused, mesh_programs, port_of, wait_running
from purging import purge_jobs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "connect-on-nomad"
ALLOW = 'action      = "allow"'
DENY = 'action      = "deny"'



@dataclass(frozen=True)
class Example:
    """The example's copy in a temporary directory and the variables that run it here."""

    directory: Path
    variables: tuple[str, ...]

    def render(self) -> dict[str, Any]:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
        args = [arg for var in self.variables for arg in ("--var", var)]
        done = subprocess.run([sys.executable, "-m", "ncplan", "-C", str(self.directory),
                               "render", "--format", "json", *args],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        rendered: dict[str, Any] = json.loads(done.stdout)
        return rendered

    def set_action(self, old: str, new: str) -> None:
        main = self.directory / "main.hcl"
        text = main.read_text()
        assert text.count(old) == 1, f"{old!r} not found once in {main}"
        main.write_text(text.replace(old, new))


@pytest.fixture
def example(tmp_path: Path, agents: Agents) -> Example:
    directory = tmp_path / "connect-on-nomad"
    shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns(".ncplan"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    db, web = mesh_programs(bin_dir)
    return Example(directory, (f"db_command={db}", f"web_command={web}",
                               f"consul_binary={agents.consul_binary}",
                               f"consul_agent={agents.consul_addr}"))


def write_intentions(agents: Agents, rendered: dict[str, Any], action: str) -> None:
    """Write the rendered service-intentions entry, exactly; it must say ``action``."""
    (entry,) = rendered["consul_config_entries"]
    assert (entry["Kind"], entry["Name"]) == ("service-intentions", "db")
    assert [(s["Name"], s["Action"]) for s in entry["Sources"]] == [("web", action)]
    response = agents.consul("PUT", "/v1/config", json=entry)
    assert response.status_code == 200 and response.json() is True, response.text


@pytest.fixture
def running(agents: Agents, example: Example) -> Iterator[int]:
    """The rendered jobs registered and running; yields web's upstream port for db."""
    rendered = example.render()
    assert sorted(rendered["nomad_jobs"]) == ["db", "web"]
    write_intentions(agents, rendered, "allow")
    registered = []
    try:
        for name, payload in rendered["nomad_jobs"].items():
            response = agents.nomad("PUT", "/v1/jobs", json=payload)
            assert response.status_code == 200, response.text
            registered.append(name)
        wait_running(agents, "db")
        yield port_of(wait_running(agents, "web"), "up_db")
    finally:
        purge_jobs(agents, registered)
        agents.consul("DELETE", "/v1/config/service-intentions/db")


def test_rendered_jobs_carry_bytes_under_allow_and_refuse_them_under_deny(
        agents: Agents, example: Example, running: int) -> None:
    payload = b"hello through ncplan's rendering\n"
    assert eventually_echo(running, payload) == payload

    example.set_action(ALLOW, DENY)
    write_intentions(agents, example.render(), "deny")
    eventually_refused(running, payload)

    example.set_action(DENY, ALLOW)
    write_intentions(agents, example.render(), "allow")
    assert eventually_echo(running, payload) == payload
