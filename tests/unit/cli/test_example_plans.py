"""Every example's plan, as the CLI prints it (human, ``--json``, ``--markdown``), held to
the bytes in snapshots/examples/: a move inside ncplan must not change one of them.

``--no-refresh`` plans against the state alone, so no agent is reached; the same plans
against the real agents are held in tests/integration/test_example_plan_snapshots.py.
``NCPLAN_UPDATE_SNAPSHOTS=1`` rewrites the files (review the diff).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))

from snapshots_helper import assert_snapshot

from ncplan.cli import app
from ncplan.views import plan_json

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if any(p.glob("*.hcl"))
               and p.name != "acl")
FORMS = {"human": [], "json": ["--json"], "markdown": ["--markdown"]}
UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "100"}


def printed(exit_code: int, stdout: str, stderr: str) -> str:
    """One file for a run: its exit code, then stdout and stderr, each whole."""
    return f"exit {exit_code}\n--- stdout\n{stdout}--- stderr\n{stderr}"


def test_every_example_with_a_configuration_is_held() -> None:
    assert NAMES == ["canary", "clusters", "connect-on-nomad", "connect-on-nomad-raw",
                     "envoy-mesh", "jobspec-mesh"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMES)
def test_example_plan_is_unchanged(name: str, form: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_json, "__version__", "0.0.0-test")
    directory = tmp_path / name
    shutil.copytree(EXAMPLES / name, directory)
    run = CliRunner().invoke(app, ["-C", str(directory), "plan", "--no-refresh",
                                   *FORMS[form]], env=UNREACHABLE)
    if run.exception is not None and not isinstance(run.exception, SystemExit):
        raise run.exception
    suffix = {"human": "txt", "json": "json", "markdown": "md"}[form]
    assert_snapshot(SNAPSHOTS / f"{name}.{suffix}",
                    printed(run.exit_code, run.stdout, run.stderr))
