"""One run lowers the configuration once, builds its resource graph once and checks
``prevent_destroy`` once, against the real agents: ``plan`` (a refresh), ``plan`` of raw
jobs (Nomad parses them; their dependencies come from the parse), ``apply``, ``apply`` of
a saved plan, and ``import``. The counts are made by wrapping the functions
(tests/run_counts.py); the same runs without agents are in
tests/unit/cli/test_one_lowering.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from agentlib import Agents
from apply_helpers import NAMES, make_mesh
from plan_helpers import agent_env, copy_example, ncplan, wipe
from run_counts import count_run_steps

ONCE = {"lowerings": 1, "graphs": 1, "prevent_destroy checks": 1}


def test_plan_apply_and_import_lower_once(agents: Agents, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    mesh = make_mesh(tmp_path, agents)
    saved = str(mesh.directory / "saved.plan")
    try:
        for args in (["plan"], ["plan", "--out", saved], ["apply", saved, "--no-wait"],
                     ["state", "rm", "nomad_job.db"], ["import", "nomad_job.db", "db"],
                     ["apply", "--auto-approve", "--no-wait"],
                     ["destroy", "--auto-approve", "--no-wait"]):
            with monkeypatch.context() as patch:
                counts = count_run_steps(patch)
                done = mesh.run(*args)
            assert done.exit_code == 0, (args, done.both)
            if args[0] != "state":
                assert dict(counts) == ONCE, args
        assert "Destroy complete! Resources: 3 destroyed." in done.stdout, done.stdout
    finally:
        wipe(agents, NAMES)


@pytest.mark.usefixtures("wiped")
def test_a_plan_of_raw_jobs_lowers_once(agents: Agents, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nomad parses the raw jobs first; their dependencies come from the parse (a
    ``dynamic`` block expanded) and the configuration is lowered once, with them."""
    directory = copy_example("connect-on-nomad-raw", tmp_path)
    counts = count_run_steps(monkeypatch)
    done = ncplan(directory, ["plan"], agent_env(agents))
    assert done.exit_code == 0, done.both
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in done.stdout, done.stdout
    assert dict(counts) == ONCE
