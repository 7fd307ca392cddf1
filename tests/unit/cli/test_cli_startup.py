"""What a command imports: each command's module loads when it runs, so ``--version``
loads none and ``validate`` or ``state list`` load only their own (no planner, no
providers, no ``requests``). Run in a fresh interpreter: this test process has imported
everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import contextlib, io, json, sys
from ncplan.cli import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCPLAN_", "NOMAD_",
                                                                    "CONSUL_"))}
    env.update(NO_COLOR="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    answer = json.loads(done.stdout.splitlines()[-1])
    return answer["code"], set(answer["modules"])


def commands_in(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith(("ncplan.commands.", "ncplan.orchestration."))} - {
        "ncplan.orchestration", "ncplan.orchestration.context", "ncplan.commands.help_style",
        "ncplan.commands.lazy"}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.hcl").write_text('intention "web" "db" {\n  action = "allow"\n}\n')
    return tmp_path


def test_version_imports_no_command(tmp_path: Path) -> None:
    code, modules = imported(["--version"], tmp_path)
    assert code == 0
    assert commands_in(modules) == set()
    assert not {m for m in modules if m.startswith(("ncplan.config", "ncplan.planner",
                                                    "ncplan.providers", "ncplan.state"))}
    assert "requests" not in modules


def test_validate_imports_the_validate_command_only(config_dir: Path) -> None:
    code, modules = imported(["validate"], config_dir)
    assert code == 0
    assert commands_in(modules) == {"ncplan.commands.validate", "ncplan.commands.options"}
    assert not {m for m in modules if m.startswith(("ncplan.planner", "ncplan.providers"))}
    assert "requests" not in modules


def test_state_list_imports_the_state_command_only(config_dir: Path) -> None:
    code, modules = imported(["state", "list"], config_dir)
    assert code == 0
    assert commands_in(modules) == {"ncplan.commands.state", "ncplan.commands.options",
                                    "ncplan.orchestration.loading"}
    assert not {m for m in modules if m.startswith(("ncplan.planner", "ncplan.providers"))}
