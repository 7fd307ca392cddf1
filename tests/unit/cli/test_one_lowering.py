"""One run lowers the configuration once, builds its resource graph once and checks
``prevent_destroy`` once (tests/run_counts.py counts the calls); ``apply`` of a saved plan
lowers with the sidecar identity the plan file records, never one guessed from the kinds
in the plan. Offline here (``--no-refresh``: no agent is reached); the same runs against
the real agents, with a refresh, Nomad's parse of raw jobs, ``apply`` and ``import``, are
in tests/integration/test_one_lowering.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from run_counts import count_run_steps
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.resources import lowered

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1"}
ONCE = {"lowerings": 1, "graphs": 1, "prevent_destroy checks": 1}


def _example(name: str, tmp_path: Path) -> Path:
    directory = tmp_path / name
    shutil.copytree(EXAMPLES / name, directory)
    return directory


def _run(directory: Path, args: Sequence[str]) -> None:
    done = CliRunner().invoke(app, ["-C", str(directory), *args], env=UNREACHABLE)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    assert done.exit_code == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("example", "args"), [
    ("connect-on-nomad", ["plan", "--no-refresh"]),
    ("connect-on-nomad-raw", ["plan", "--no-refresh"]),
    ("jobspec-mesh", ["plan", "--no-refresh", "--out", "{directory}/saved.plan"]),
    ("envoy-mesh", ["destroy", "--no-refresh", "--auto-approve"]),
])
def test_a_run_lowers_once_builds_one_graph_and_checks_once(
        example: str, args: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _example(example, tmp_path)
    counts = count_run_steps(monkeypatch)
    _run(directory, [a.format(directory=directory) for a in args])
    assert dict(counts) == ONCE


def test_apply_of_a_saved_plan_lowers_with_the_identity_the_plan_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan says identities were on (as Consul with ACLs would have resolved them)
    though it holds no token nor variable: apply lowers with them on, as planned."""
    directory = _example("connect-on-nomad", tmp_path)
    saved = directory / "saved.plan"
    _run(directory, ["plan", "--destroy", "--no-refresh", "--out", str(saved)])
    document = json.loads(saved.read_text())
    assert document["sidecar_identity"] is False and document["changes"] == []
    saved.write_text(json.dumps({**document, "sidecar_identity": True}))
    identities: list[bool] = []
    lower = lowered.lower_config

    def recording(config: Any, sidecar_identity: bool) -> Any:
        identities.append(sidecar_identity)
        return lower(config, sidecar_identity)
    monkeypatch.setattr(lowered, "lower_config", recording)
    _run(directory, ["apply", str(saved)])
    assert identities == [True]
