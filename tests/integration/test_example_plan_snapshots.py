"""Every example's plan against the real agents (human, ``--json``, ``--markdown``), held to
the bytes in snapshots/examples/: the first plan (Nomad's own plan of each job included),
then, after apply, the plan of a changed count and environment (Nomad's field diff).

A move inside ncplan must not change one of them. ``NCPLAN_UPDATE_SNAPSHOTS=1`` rewrites
the files (review the diff).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, apply_all, copy_example, ncplan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "views"))

from snapshots_helper import assert_snapshot

from ncplan.views import plan_json

SNAPSHOTS = Path(__file__).parent / "snapshots" / "examples"
NAMES = ("canary", "connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh", "jobspec-mesh")
# What Nomad makes anew on each run (the IDs it generates, its Raft indexes, times).
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INDEX = re.compile(r'("job_modify_index": )[1-9][0-9]*')
SCHEDULER = re.compile(r"(Nomad scheduler: ).*")
# The state's serial after apply counts its persists: steps of one batch that finish
# together are persisted once. The examples whose apply runs steps in parallel (canary:
# api's resolver and the intention web -> api) have it blanked.
SERIAL = re.compile(r'("serial": )[0-9]+')
PARALLEL_APPLY = frozenset({"canary"})
FORMS = {"human": ([], "txt"), "json": (["--json"], "json"), "markdown": (["--markdown"], "md")}

pytestmark = pytest.mark.usefixtures("wiped")


def scheduler_blanked(text: str) -> str:
    """The scheduler's counts (a create, or a destructive update while an earlier test's
    allocations of the same job name are still being collected) blanked: Nomad's own
    answer about its allocations, which ncplan passes through as it is."""
    lines: list[str] = []
    closing: str | None = None
    for line in SCHEDULER.sub(r"\1<scheduler>", text).split("\n"):
        if closing is not None:
            if line.rstrip(",") == closing:
                lines.append(line.replace("}", "<scheduler>", 1))
                closing = None
            continue
        key = line.strip()
        if key in ('"annotations": {', '"Updates": {'):
            closing = line[:len(line) - len(line.lstrip())] + "}"
            lines.append(line.removesuffix("{"))
            continue
        lines.append(line)
    return "\n".join(lines)


def normalized(actual: str, agents: Agents) -> str:
    actual = actual.replace(agents.nomad_addr, "NOMAD_ADDR").replace(
        agents.consul_addr, "CONSUL_HTTP_ADDR")
    return scheduler_blanked(INDEX.sub(r"\1<index>", UUID.sub("<uuid>", actual)))


def plans(directory: Path, agents: Agents, stem: str) -> None:
    for args, suffix in FORMS.values():
        run = ncplan(directory, ["plan", *args], agent_env(agents))
        text = normalized(
            f"exit {run.exit_code}\n--- stdout\n{run.stdout}--- stderr\n{run.stderr}", agents)
        if directory.name in PARALLEL_APPLY:
            text = SERIAL.sub(r"\1<serial>", text)
        assert_snapshot(SNAPSHOTS / f"{stem}.{suffix}", text)


@pytest.mark.parametrize("name", NAMES)
def test_example_plans_against_the_agents_are_unchanged(
        agents: Agents, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_json, "__version__", "0.0.0-test")
    directory = copy_example(name, tmp_path)
    plans(directory, agents, f"{name}.first")
    apply_all(directory, agent_env(agents))
    plans(directory, agents, f"{name}.applied")
    for path in directory.glob("*.hcl"):
        text = path.read_text()
        changed = text.replace("count = 2", "count = 3").replace(
            'service "web" {', 'service "web" {\n  count = 3', 1).replace(
            "postgresql://", "postgres://")
        path.write_text(changed)
    plans(directory, agents, f"{name}.changed")
