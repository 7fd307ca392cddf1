"""Shared by the plan tests: a tmp copy of an example, the CLI run against the agents,
and cleaning up the jobs and Consul entries the examples use (they share names)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentlib import Agents
from purging import purge_jobs
from typer.testing import CliRunner, Result

from ncplan.cli import app
from ncplan.config import load_config
from ncplan.state import open_backend
from ncplan.state.model import State

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_NAMES = ("db", "web", "api", "frontend", "placed")
# The jq gate of docs/plan-and-apply.md: exit 1 (fail the pipeline) when the plan deletes anything.
JQ_NO_DELETE = ('[.resource_changes[] | select(.change.actions | index("delete"))] '
                '| length == 0')


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def both(self) -> str:
        return self.stdout + self.stderr


def agent_env(agents: Agents) -> dict[str, str]:
    return {"NOMAD_ADDR": agents.nomad_addr, "CONSUL_HTTP_ADDR": agents.consul_addr,
            "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "100"}


def copy_example(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def ncplan(directory: Path, args: Sequence[str], env: Mapping[str, str | None]) -> Run:
    result: Result = CliRunner().invoke(app, ["-C", str(directory), *args], env=dict(env))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def wipe(agents: Agents, names: Sequence[str] = EXAMPLE_NAMES) -> None:
    """Purge the examples' jobs (waiting until Nomad has stopped their allocations and
    collected them) and delete their Consul entries (and any ``*`` entry)."""
    for kind in ("service-router", "service-splitter", "service-resolver"):
        for name in names:
            agents.consul("DELETE", f"/v1/config/{kind}/{name}")
    purge_jobs(agents, names)
    for name in names:
        agents.consul("DELETE", f"/v1/config/service-defaults/{name}")
    for name in [*names, "*"]:
        agents.consul("DELETE", f"/v1/config/service-intentions/{name}")


def apply_all(directory: Path, env: Mapping[str, str]) -> State:
    """``ncplan apply --auto-approve --no-wait`` (the examples' programs do not exist here,
    so their rollouts are not followed); the state it persisted."""
    done = ncplan(directory, ["apply", "--auto-approve", "--no-wait"], env)
    assert done.exit_code == 0, done.both
    assert "Apply complete!" in done.stdout, done.stdout
    config = load_config(directory, env=env, use_cache=False).config
    state = open_backend(config.backend, directory, config.consul).read()
    assert state is not None
    return state
