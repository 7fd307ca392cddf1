"""examples/gitops/pipeline.sh: the pr stage checks the style first (``ncplan fmt -check``):
a file that needs formatting stops it with exit 3 and the file's name, before validate."""

from __future__ import annotations

from pathlib import Path

from shipped import run_shipped, shipped_env

PIPELINE = Path(__file__).resolve().parents[3] / "examples" / "gitops" / "pipeline.sh"


def test_the_pr_stage_stops_at_a_file_that_needs_formatting(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.hcl").write_text('service "db" {\ncount = 1\n}\n')
    env = shipped_env(tmp_path, {  # as the CI files run it: ncplan on PATH, NCPLAN unset
        "PIPELINE": str(PIPELINE), "NCPLAN_DIR": str(config),
        "NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1"})
    stage = run_shipped(["bash", "-c", 'bash "$PIPELINE" pr'], tmp_path, env, timeout=60)
    assert stage.returncode == 3, stage.stdout + stage.stderr
    assert stage.stdout.startswith("--- ncplan fmt -check\n")
    assert f"{config / 'main.hcl'}\n" in stage.stdout
    assert "--- ncplan validate" not in stage.stdout
    assert (config / "main.hcl").read_text() == 'service "db" {\ncount = 1\n}\n'
    assert not (tmp_path / "ncplan.plan").exists()
