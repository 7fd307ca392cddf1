"""examples/gitops: both CI files parse and run the one script's stages at the right events;
the script's failures (usage, an invalid configuration, no saved plan) exit 1 without an
agent. The stages against the real agents: tests/integration/test_gitops_pipeline.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from shipped import run_shipped, shipped_env

ROOT = Path(__file__).resolve().parents[3]
GITOPS = ROOT / "examples" / "gitops"
PIPELINE = GITOPS / "pipeline.sh"
PR = 'bash "$PIPELINE" pr'
APPLY = 'bash "$PIPELINE" apply'


def _yaml(name: str) -> dict[str, Any]:
    document = yaml.safe_load((GITOPS / name).read_text())
    assert isinstance(document, dict)
    return document


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_github_workflow_plans_pull_requests_and_applies_the_merged_ones() -> None:
    workflow = _yaml("github/ncplan.yml")
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["pull_request"]["types"] == ["opened", "synchronize", "reopened", "closed"]
    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    assert plan["if"] == "github.event.action != 'closed'"
    assert PR in _runs(plan)
    assert plan["outputs"]["changes"] == "${{ steps.plan.outputs.changes }}"
    uploads = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [s["with"]["path"] for s in uploads] == ["ncplan.plan"]
    assert any("--body-file ncplan-plan.md" in run for run in _runs(plan))
    assert apply["if"] == "github.event.action == 'closed' && github.event.pull_request.merged"
    runs = _runs(apply)
    assert runs[-1] == APPLY
    assert any("gh run download" in run and "--name ncplan-plan" in run for run in runs)
    assert PR not in runs


def test_the_gitlab_file_plans_merge_requests_and_applies_on_the_default_branch() -> None:
    ci = _yaml("gitlab-ci.yml")
    plan, apply = ci["ncplan-plan"], ci["ncplan-apply"]
    assert plan["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert plan["script"] == [PR]
    assert plan["variables"]["NCPLAN_CHANGES_EXIT"] == "2"
    assert plan["allow_failure"] == {"exit_codes": [2]}
    assert "ncplan.plan" in plan["artifacts"]["paths"]
    assert plan["artifacts"]["reports"]["dotenv"] == "ncplan.env"
    assert "/notes" in plan["after_script"][0]
    assert apply["rules"] == [
        {"if": '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"'}]
    assert apply["script"][-1] == APPLY
    assert "job=ncplan-plan" in apply["script"][0]


def _pipeline(stage: str, tmp_path: Path, config: Path,
              **settings: str) -> subprocess.CompletedProcess[str]:
    """As both CI files run it: `bash "$PIPELINE" STAGE`, ncplan on PATH, NCPLAN unset."""
    env = shipped_env(tmp_path, {
        "PIPELINE": str(PIPELINE), "NCPLAN_DIR": str(config),
        # no agent is reached: a stage that got as far as planning would fail here
        "NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
        **settings})
    return run_shipped(["bash", "-c", f'bash "$PIPELINE" {stage}'], tmp_path, env, timeout=60)


@pytest.mark.parametrize("settings", [{}, {"NCPLAN": f"{sys.executable} -m ncplan"}],
                         ids=["ncplan-on-path", "NCPLAN-set"])
def test_the_pr_stage_stops_at_an_invalid_configuration(tmp_path: Path,
                                                        settings: dict[str, str]) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.hcl").write_text('service "db" {\n  port = 5\n}\n')
    stage = _pipeline("pr", tmp_path, config, **settings)
    assert stage.returncode == 1
    assert "main.hcl:2" in stage.stdout + stage.stderr
    assert "--- ncplan plan" not in stage.stdout
    assert not (tmp_path / "ncplan.plan").exists()
    assert not (tmp_path / "ncplan-plan.md").exists()


@pytest.mark.parametrize("stage", ["", "deploy"])
def test_an_unknown_stage_is_a_usage_error(tmp_path: Path, stage: str) -> None:
    done = _pipeline(stage, tmp_path, tmp_path)
    assert done.returncode == 1
    assert "usage:" in done.stderr and "pr|apply" in done.stderr


def test_the_apply_stage_needs_the_saved_plan(tmp_path: Path) -> None:
    done = _pipeline("apply", tmp_path, tmp_path)
    assert done.returncode == 1
    assert "no plan file ncplan.plan" in done.stderr
