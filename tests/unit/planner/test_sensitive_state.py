"""A sensitive variable's value is kept out of the state and the plan file, and comes back
from the configuration where it is needed: the offline diff and ``apply FILE``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ncplan.config import load_config
from ncplan.config.model import Config
from ncplan.orchestration.executors import executors, recorded
from ncplan.orchestration.saved_plan_secrets import restored_plan
from ncplan.planner import planfile
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.drift import find_drift
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.planner.redaction import MARKER
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveJob, NomadJobPlan, Refreshed
from ncplan.resources.lowered import Lowered
from ncplan.state.codec import to_json
from ncplan.state.model import State

SECRET = "hunter2-s3cr3t"
CONFIG = '''
variable "db_password" {
  type      = string
  sensitive = true
}
service "db" {
  port = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/bin/db" }
    env    = { URL = "pg://u:${var.db_password}@x", MODE = "plain" }
  }
}
'''


def configuration(tmp_path: Path, password: str = SECRET) -> Config:
    (tmp_path / "main.hcl").write_text(CONFIG)
    return load_config(tmp_path, [f"db_password={password}"], use_cache=False).config


def env_of(job: Any) -> Any:
    return job["TaskGroups"][0]["Tasks"][0]["Env"]


def job_change(plan: Plan) -> ResourceChange:
    found = plan.change("nomad_job.db")
    assert found is not None
    return found


def applied_state(config: Config) -> State:
    """The state after applying the offline plan: what the executor records."""
    change = job_change(build_plan(request_for(config, None, None)))
    return State.new().with_resources([recorded(change, 7, config.sensitive_values())])


def test_the_state_records_the_job_with_its_secret_redacted(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    state = applied_state(config)
    assert SECRET not in json.dumps(to_json(state))
    assert env_of(state.resources[0].attributes) == {"URL": MARKER, "MODE": "plain"}


def test_the_executor_records_what_it_wrote_redacted(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    change = job_change(build_plan(request_for(config, None, None)))
    unchanged = NomadJobPlan(job_name="db", diff_type="None", diff={}, annotations=(),
                             failures=(), job_modify_index=7, warnings="")
    noop = replace(change, action=Action.NOOP, observed_index=7, nomad_plan=unchanged)
    # a job whose Nomad plan changes nothing is recorded without a call to Nomad
    nowhere = Providers(None, None, None, None, None)  # type: ignore[arg-type]
    job_executor = executors(nowhere, secrets=config.sensitive_values())["nomad_job"]
    written = job_executor.write(noop)
    assert not written.wrote
    assert SECRET not in json.dumps(dict(written.state.attributes))


def test_an_offline_plan_after_apply_is_a_no_op_with_the_redacted_state(
        tmp_path: Path) -> None:
    config = configuration(tmp_path)
    plan = build_plan(request_for(config, applied_state(config), None))
    assert job_change(plan).action is Action.NOOP


def test_offline_a_changed_secret_is_taken_as_unchanged(tmp_path: Path) -> None:
    """The state holds no trace of the secret (no digest): offline, a new value of it
    cannot be told from the old one; a refresh plans the job with Nomad, which sees it."""
    state = applied_state(configuration(tmp_path))
    plan = build_plan(request_for(configuration(tmp_path, "another"), state, None))
    assert job_change(plan).action is Action.NOOP


def test_offline_a_value_no_longer_secret_shows_as_a_change(tmp_path: Path) -> None:
    state = applied_state(configuration(tmp_path))
    (tmp_path / "main.hcl").write_text(CONFIG.replace("sensitive = true", "sensitive = false"))
    config = load_config(tmp_path, [f"db_password={SECRET}"], use_cache=False).config
    change = job_change(build_plan(request_for(config, state, None)))
    assert change.action is Action.UPDATE
    assert env_of(change.before)["URL"] == MARKER


@pytest.mark.parametrize("refreshed", [None, Refreshed(jobs={"db": None})],
                         ids=["offline", "refreshed"])
def test_a_plan_file_holds_no_secret_and_apply_gets_the_real_value_back(
        tmp_path: Path, refreshed: Refreshed | None) -> None:
    config = configuration(tmp_path)
    plan = build_plan(request_for(config, None, refreshed,
                                  config_digest="sha256:abc"))
    path = tmp_path / "apply.plan"
    planfile.write(plan, path, config.sensitive_values())
    assert SECRET not in path.read_text()
    saved = planfile.read(path)
    assert env_of(job_change(saved).after)["URL"] == MARKER
    lowered = Lowered.of(config, saved.sidecar_identity)
    restored = restored_plan(saved, config, lowered.desired, Providers.from_config(config))
    change = job_change(restored)
    written = change.body if change.body is not None else change.after
    assert env_of(written)["URL"] == f"pg://u:{SECRET}@x"
    assert (change.body is None) is (refreshed is None)
    assert restored == plan


def test_a_redacted_state_shows_no_false_drift_against_the_live_secret(
        tmp_path: Path) -> None:
    """The live job holds the real value where the state holds the marker: not drift."""
    config = configuration(tmp_path)
    state = applied_state(config)
    live_body = job_change(build_plan(request_for(config, None, None))).after
    assert live_body is not None and SECRET in json.dumps(live_body)
    moved = Refreshed(jobs={"db": LiveJob("db", live_body, modify_index=9)})
    assert find_drift(state, moved, secrets=config.sensitive_values()) == ()
    assert find_drift(state, moved) != ()  # without the secrets, the marker differs


PORT_CONFIG = '''
variable "token" {
  type      = string
  sensitive = true
}
service "web" {
  task {
    driver    = "raw_exec"
    config    = { command = "/bin/web" }
    env       = { TOKEN = var.token }
    resources {
      cpu    = 8080
      memory = 64
    }
  }
}
'''


def test_a_number_holding_a_short_secret_is_masked_in_the_plan_and_the_state_alike(
        tmp_path: Path) -> None:
    """One rule: with the secret ``80``, the value 8080 holds it, in the plan's JSON, the
    state and the plan file (the plan once masked it and the state kept it in clear)."""
    from ncplan.views.plan_json import plan_document

    (tmp_path / "main.hcl").write_text(PORT_CONFIG)
    config = load_config(tmp_path, ["token=80"], use_cache=False).config
    plan = build_plan(request_for(config, None, None))
    change = plan.change("nomad_job.web")
    assert change is not None
    resources = change.after["TaskGroups"][0]["Tasks"][0]["Resources"]  # type: ignore[index]
    assert resources["CPU"] == 8080
    document = plan_document(plan)
    shown = document["resource_changes"][0]["change"]["after"]
    assert shown["TaskGroups"][0]["Tasks"][0]["Resources"]["CPU"] == MARKER
    state = recorded(change, 7, config.sensitive_values())
    assert state.attributes["TaskGroups"][0]["Tasks"][0]["Resources"]["CPU"] == MARKER
    saved = tmp_path / "web.plan"
    planfile.write(plan, saved, config.sensitive_values())
    assert "8080" not in saved.read_text()
