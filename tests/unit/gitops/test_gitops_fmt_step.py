"""examples/gitops/pipeline.sh: the pr stage checks the style first (``ncplan fmt -check``):
a file that needs formatting stops it with exit 3 and the file's name, before validate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PIPELINE = ROOT / "examples" / "gitops" / "pipeline.sh"


def _pr_stage(tmp_path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "NCPLAN": f"{sys.executable} -m ncplan",
           "PYTHONPATH": str(ROOT), "NCPLAN_DIR": str(config), "NO_COLOR": "1",
           "NCPLAN_NO_CACHE": "1",
           "NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1"}
    return subprocess.run(["bash", str(PIPELINE), "pr"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_pr_stage_stops_at_a_file_that_needs_formatting(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.hcl").write_text('service "db" {\ncount = 1\n}\n')
    stage = _pr_stage(tmp_path, config)
    assert stage.returncode == 3, stage.stdout + stage.stderr
    assert stage.stdout.startswith("--- ncplan fmt -check\n")
    assert f"{config / 'main.hcl'}\n" in stage.stdout
    assert "--- ncplan validate" not in stage.stdout
    assert (config / "main.hcl").read_text() == 'service "db" {\ncount = 1\n}\n'
    assert not (tmp_path / "ncplan.plan").exists()
