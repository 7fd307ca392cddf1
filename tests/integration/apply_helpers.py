"""Shared by the apply tests: examples/connect-on-nomad in a tmp copy whose commands are an
echo server (db) and a sleeper (web) and whose sidecars talk to the test's agents; the
CLI in-process (stdout, stderr, exit code) or as a subprocess (for signals and two at once).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentlib import Agents
from meshlib import mesh_programs
from plan_helpers import Run, agent_env, ncplan, wipe

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "connect-on-nomad"
ALLOW = 'action      = "allow"'
DENY = 'action      = "deny"'
NAMES = ("db", "web")



@dataclass(frozen=True)
class Mesh:
    """The example's copy and the environment that points ncplan at the agents."""

    directory: Path
    agents: Agents

    @property
    def env(self) -> dict[str, str]:
        return agent_env(self.agents)

    def run(self, *args: str) -> Run:
        return ncplan(self.directory, list(args), self.env)

    def edit(self, old: str, new: str) -> None:
        main = self.directory / "main.hcl"
        text = main.read_text()
        assert text.count(old) == 1, f"{old!r} not found once in {main}"
        main.write_text(text.replace(old, new))

    def state(self) -> dict[str, Any]:
        done = self.run("state", "pull")
        assert done.exit_code == 0, done.both
        loaded: dict[str, Any] = json.loads(done.stdout)
        return loaded

    def addresses(self) -> list[str]:
        return sorted(r["address"] for r in self.state()["resources"])

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        return subprocess.Popen([sys.executable, "-m", "ncplan", "-C", str(self.directory),
                                 *args], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def make_mesh(tmp_path: Path, agents: Agents, *, db_command: str | None = None) -> Mesh:
    directory = tmp_path / "connect-on-nomad"
    shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns(".ncplan"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    echo_db, web = mesh_programs(bin_dir)
    db = db_command or echo_db
    values = {"db_command": db, "web_command": web, "consul_binary": str(agents.consul_binary),
              "consul_agent": agents.consul_addr}
    width = max(map(len, values))  # aligned as ncplan fmt leaves it: the pipeline checks fmt
    (directory / "test.ncvars.hcl").write_text("".join(
        f"{name.ljust(width)} = {json.dumps(value)}\n" for name, value in values.items()))
    wipe(agents, NAMES)
    return Mesh(directory, agents)


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def summary_counts(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if "complete! Resources:" in line]
    assert lines, stdout
    return lines[-1]
