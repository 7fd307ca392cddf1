"""examples/gitops/pipeline.sh, the script both CI files call, run stage by stage against the
real agents, as a pipeline runs it: a working directory holding the plan file and the
comment, the configuration (a copy of examples/connect-on-nomad made runnable through its
variables: apply_helpers.make_mesh) in NCPLAN_DIR, the agents in NOMAD_ADDR / CONSUL_HTTP_ADDR,
ncplan on PATH and NCPLAN unset (tests/shipped.py), as the CI files have it.

The pr stage validates, saves the plan, writes the saved plan as Markdown and reports
changes=true|false (stdout, $GITHUB_OUTPUT, the dotenv file); the apply stage applies the
saved plan; a saved plan made stale by another apply is refused, exit 1, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from agentlib import Agents
from apply_helpers import make_mesh
from meshlib import eventually_echo, port_of, wait_running
from plan_helpers import wipe
from shipped import run_shipped, shipped_env

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "examples" / "gitops" / "pipeline.sh"


@dataclass(frozen=True)
class Stage:
    code: int
    stdout: str
    stderr: str

    @property
    def both(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class Pipeline:
    """One repository's pipeline: its working directory, configuration and environment."""

    workdir: Path
    config: Path
    env: Mapping[str, str]

    def run(self, stage: str, **extra: str) -> Stage:
        done = run_shipped(["bash", "-c", f'bash "$PIPELINE" {stage}'], self.workdir,
                           {**self.env, **extra}, timeout=400)
        return Stage(done.returncode, done.stdout, done.stderr)

    def read(self, name: str) -> str:
        return (self.workdir / name).read_text()

    def set_description(self, description: str) -> None:
        main = self.config / "main.hcl"
        text = main.read_text()
        assert text.count('description = "web reads db"') == 1
        main.write_text(text.replace('"web reads db"', f'"{description}"'))


@pytest.fixture
def pipeline(agents: Agents, tmp_path: Path) -> Iterator[Pipeline]:
    mesh = make_mesh(tmp_path, agents)  # its variables in test.ncvars.hcl
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    # What the GitHub workflow gives the script: its env (PIPELINE, NCPLAN_DIR), the
    # secrets (the addresses), GITHUB_OUTPUT; ncplan pip-installed on PATH, NCPLAN unset.
    env = shipped_env(tmp_path, {
        "PIPELINE": str(PIPELINE), "NCPLAN_DIR": str(mesh.directory),
        "NOMAD_ADDR": agents.nomad_addr, "CONSUL_HTTP_ADDR": agents.consul_addr,
        "GITHUB_OUTPUT": str(tmp_path / "github_output")})
    yield Pipeline(workdir, mesh.directory, env)
    wipe(agents)


def test_pr_stage_validates_saves_the_plan_and_writes_the_comment(pipeline: Pipeline) -> None:
    stage = pipeline.run("pr")
    assert stage.code == 0, stage.both
    assert "Success! The configuration is valid." in stage.stdout
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in stage.stdout
    assert stage.stdout.rstrip().endswith("changes=true")
    assert pipeline.read("ncplan.env") == "NCPLAN_CHANGES=true\n"
    assert Path(pipeline.env["GITHUB_OUTPUT"]).read_text() == "changes=true\n"
    assert (pipeline.workdir / "ncplan.plan").is_file()
    comment = pipeline.read("ncplan-plan.md")
    assert comment.startswith("## ncplan plan: Plan: 3 to add, 0 to change, 0 to destroy.")
    for summary in ("nomad_job.db will be created", "nomad_job.web will be created",
                    "consul_intention.web:db will be created"):
        assert summary in comment

    marked = pipeline.run("pr", NCPLAN_CHANGES_EXIT="2")  # how GitLab marks the job
    assert marked.code == 2, marked.both
    assert marked.stdout.rstrip().endswith("changes=true")


def test_pr_stage_fails_when_the_plan_fails(pipeline: Pipeline) -> None:
    stage = pipeline.run("pr", NOMAD_ADDR="http://127.0.0.1:1")
    assert stage.code == 1
    assert "cannot reach Nomad at http://127.0.0.1:1" in stage.stderr
    assert "ncplan plan failed (exit 1)" in stage.stderr
    assert not (pipeline.workdir / "ncplan-plan.md").exists()
    assert "changes=" not in stage.stdout


def test_apply_stage_applies_the_saved_plan_and_refuses_a_stale_one(
        agents: Agents, pipeline: Pipeline) -> None:
    planned = pipeline.run("pr")
    assert planned.code == 0 and "changes=true" in planned.stdout, planned.both
    applied = pipeline.run("apply")
    assert applied.code == 0, applied.both
    assert "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." in applied.stdout
    wait_running(agents, "db")
    upstream = port_of(wait_running(agents, "web"), "up_db")
    assert eventually_echo(upstream, b"through the pipeline\n") == b"through the pipeline\n"

    again = pipeline.run("pr")
    assert again.code == 0, again.both
    assert again.stdout.rstrip().endswith("changes=false")
    assert "No changes." in pipeline.read("ncplan-plan.md")

    # Two runs save a plan of the same change; one is applied, which moves the state: the
    # other is stale by the state alone (same configuration) and is refused.
    pipeline.set_description("web reads db, reviewed")
    first = pipeline.run("pr", NCPLAN_PLAN="first.plan")
    assert first.code == 0 and "changes=true" in first.stdout, first.both
    second = pipeline.run("pr", NCPLAN_PLAN="second.plan")
    assert second.code == 0 and "changes=true" in second.stdout, second.both
    merged = pipeline.run("apply", NCPLAN_PLAN="second.plan")
    assert merged.code == 0, merged.both
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in merged.stdout

    stale = pipeline.run("apply", NCPLAN_PLAN="first.plan")
    assert stale.code == 1, stale.both
    assert "the state changed since the plan was made" in stale.stderr
    assert "configuration changed" not in stale.stderr
    assert "Apply complete!" not in stale.stdout
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    assert [s["Description"] for s in entry["Sources"]] == ["web reads db, reviewed"]
