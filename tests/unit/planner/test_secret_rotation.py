"""A rotated secret shows in no output: applied with password A, planned with B.

The live job (and Nomad's diff of it) still holds A, a value the configuration no longer
knows: every output of the plan (human, Markdown, JSON, the plan file and ``show`` of it)
masks the value that held a secret on both sides, ``(sensitive value) -> (sensitive
value)``, by the sensitivity of its path, never by A itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.config import load_config
from ncplan.config.model import Config
from ncplan.orchestration.executors import recorded
from ncplan.planner import planfile
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.model import Plan, ResourceChange
from ncplan.planner.redaction import MARKER
from ncplan.providers.live import LiveJob, NomadJobPlan, Refreshed
from ncplan.state.model import State
from ncplan.views import plan_json
from ncplan.views.plan_human import render_plan
from ncplan.views.plan_markdown import plan_markdown

OLD = "old-pass-A7f3"
NEW = "new-pass-B9k2"
URL = "postgresql://app:{}@db.internal:5432/app"
CONFIG = '''
variable "db_password" {
  type      = string
  sensitive = true
}
service "web" {
  task {
    driver = "raw_exec"
    config = { command = "/bin/web" }
    env    = { DATABASE_URL = "postgresql://app:${var.db_password}@db.internal:5432/app",
               MODE = "plain" }
  }
}
'''


def configuration(directory: Path, password: str) -> Config:
    (directory / "main.hcl").write_text(CONFIG)
    return load_config(directory, [f"db_password={password}"], use_cache=False).config


def web(plan: Plan) -> ResourceChange:
    found = plan.change("nomad_job.web")
    assert found is not None
    return found


def nomad_answer(old: str, new: str) -> NomadJobPlan:
    """Nomad's plan of the job with the new password against the live one (its shape as
    Nomad 1.6 answers it: tests/unit/providers/recorded/nomad/plan_env.json)."""
    field = {"Annotations": None, "Name": "Env[DATABASE_URL]", "New": URL.format(new),
             "Old": URL.format(old), "Type": "Edited"}
    task = {"Annotations": ["forces create/destroy update"], "Fields": [field], "Name": "web",
            "Objects": None, "Type": "Edited"}
    group = {"Fields": None, "Name": "web", "Objects": None, "Tasks": [task], "Type": "Edited",
             "Updates": {"create/destroy update": 1}}
    diff = {"Fields": None, "ID": "web", "Objects": None, "TaskGroups": [group],
            "Type": "Edited"}
    return NomadJobPlan(job_name="web", diff_type="Edited", diff=diff, annotations=(),
                        failures=(), job_modify_index=7, warnings="")


def rotated(directory: Path) -> tuple[Plan, Config]:
    """The plan with B against the state and the live job of an apply with A."""
    applied_with = configuration(directory, OLD)
    created = web(build_plan(request_for(applied_with, None, None)))
    state = State.new().with_resources([recorded(created, 7, applied_with.sensitive_values())])
    assert created.body is None and created.after is not None
    live = LiveJob("web", created.after, modify_index=7)
    config = configuration(directory, NEW)
    refreshed = Refreshed(jobs={"web": live}, plans={"web": nomad_answer(OLD, NEW)})
    return build_plan(request_for(config, state, refreshed, config_digest="sha256:x")), config


def human(plan: Plan) -> str:
    console = Console(file=io.StringIO(), width=120)
    render_plan(console, plan)
    text = console.file.getvalue()
    assert isinstance(text, str)
    return text


def assert_no_password(text: str) -> None:
    assert OLD not in text
    assert NEW not in text


def env_of(job: Any) -> Any:
    return job["TaskGroups"][0]["Tasks"][0]["Env"]


def test_the_old_and_the_new_password_are_masked_in_every_form(tmp_path: Path) -> None:
    plan, _ = rotated(tmp_path)
    change = web(plan)
    assert OLD in json.dumps(change.before)  # the live job holds it: the plan must mask it
    shown = human(plan)
    assert_no_password(shown)
    assert "Env[DATABASE_URL]: (sensitive value) => (sensitive value)" in shown
    markdown = plan_markdown(plan)
    assert_no_password(markdown)
    assert "Env[DATABASE_URL]: (sensitive value) => (sensitive value)" in markdown
    document = plan_json.plan_document(plan)
    assert_no_password(json.dumps(document))
    entry = next(c for c in document["resource_changes"] if c["address"] == "nomad_job.web")
    assert env_of(entry["change"]["before"]) == {"DATABASE_URL": MARKER, "MODE": "plain"}
    assert env_of(entry["change"]["after"]) == {"DATABASE_URL": MARKER, "MODE": "plain"}
    assert env_of(entry["change"]["before_sensitive"]) == {"DATABASE_URL": True}
    assert env_of(entry["change"]["after_sensitive"]) == {"DATABASE_URL": True}
    field = document["nomad_plans"]["web"]["diff"]["TaskGroups"][0]["Tasks"][0]["Fields"][0]
    assert (field["Old"], field["New"]) == (MARKER, MARKER)


def test_the_plan_file_and_show_of_it_hold_neither_password(tmp_path: Path) -> None:
    plan, config = rotated(tmp_path)
    saved = tmp_path / "rotate.plan"
    planfile.write(plan, saved, config.sensitive_values())
    assert_no_password(saved.read_text())
    env = {"NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "NOMAD_ADDR": "http://127.0.0.1:1",
           "CONSUL_HTTP_ADDR": "http://127.0.0.1:1"}
    for form in ([], ["--json"], ["--markdown"]):
        shown = CliRunner().invoke(app, ["-C", str(tmp_path), "show", str(saved), *form],
                                   env=env)
        assert shown.exit_code == 0, shown.stderr
        assert_no_password(shown.stdout + shown.stderr)
        assert "(sensitive value)" in shown.stdout
    loaded = planfile.read(saved)
    assert env_of(web(loaded).before)["DATABASE_URL"] == MARKER
    assert human(loaded) == human(plan)


def test_a_job_adopted_from_nomad_holding_the_old_password_shows_neither(
        tmp_path: Path) -> None:
    """No state, so no record of where the old secret was: the path the configuration
    marks sensitive masks the live value too."""
    old_config = configuration(tmp_path, OLD)
    live = web(build_plan(request_for(old_config, None, None))).after
    assert live is not None
    config = configuration(tmp_path, NEW)
    refreshed = Refreshed(jobs={"web": LiveJob("web", live, modify_index=7)},
                          plans={"web": nomad_answer(OLD, NEW)})
    plan = build_plan(request_for(config, None, refreshed))
    assert web(plan).importing  # no state owns it: a visible import
    for text in (human(plan), plan_markdown(plan), json.dumps(plan_json.plan_document(plan))):
        assert_no_password(text)
