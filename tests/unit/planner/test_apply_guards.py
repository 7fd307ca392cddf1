"""``lifecycle { prevent_destroy = true }``: a plan destroying or replacing a protected
resource is an error naming it and the lifecycle block's location; apply refuses first."""

from __future__ import annotations

from pathlib import Path

import pytest
from apply_doubles import Calls, KeepingManager, change, executors, recorded, start_state

from ncplan.config.loader import load_config
from ncplan.config.model import Config
from ncplan.errors import ConfigError
from ncplan.planner.engine import apply_plan
from ncplan.planner.guards import check_prevent_destroy, prevent_destroy_violations
from ncplan.planner.model import Action, Plan

CONFIG = """\
service "db" {
  port = "tcp"

  task {
    driver = "raw_exec"
    config = {
      command = "/bin/db"
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

service "web" {
  task {
    driver = "raw_exec"
    config = {
      command = "/bin/web"
    }
  }
}
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "main.hcl").write_text(CONFIG)
    return load_config(tmp_path, env={}, use_cache=False).config


@pytest.mark.parametrize("action", [Action.DELETE, Action.REPLACE])
def test_destroying_a_protected_job_is_an_error_at_the_lifecycle_block(
        config: Config, action: Action) -> None:
    plan = Plan(changes=(change("nomad_job.db", action, index=3),))
    with pytest.raises(ConfigError) as raised:
        check_prevent_destroy(plan, config)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.address == "nomad_job.db"
    assert diagnostic.span is not None
    assert str(diagnostic.span) == "main.hcl:11:3"  # the lifecycle block, not the service
    assert diagnostic.summary == ("nomad_job.db cannot be destroyed: lifecycle.prevent_destroy "
                                  f"is set (lifecycle block at {diagnostic.span})")
    assert f"would {action.value if action is Action.REPLACE else 'destroy'}" \
        in diagnostic.detail


def test_the_service_defaults_of_a_protected_service_are_protected(config: Config) -> None:
    plan = Plan(changes=(change("consul_service_defaults.db", Action.DELETE),))
    assert [d.address for d in prevent_destroy_violations(plan, config)] == [
        "consul_service_defaults.db"]


def test_updates_and_unprotected_destroys_pass(config: Config) -> None:
    plan = Plan(changes=(change("nomad_job.db", Action.UPDATE, index=3),
                         change("nomad_job.web", Action.DELETE, index=4),
                         change("consul_intention.web:db", Action.DELETE, index=5)))
    assert prevent_destroy_violations(plan, config) == ()
    check_prevent_destroy(plan, config)


def test_apply_refuses_before_doing_anything(config: Config, tmp_path: Path) -> None:
    manager = KeepingManager(tmp_path / "state.json")
    state = start_state(manager, recorded("nomad_job.db"), recorded("nomad_job.web"))
    calls = Calls()
    plan = Plan(changes=(change("nomad_job.web", Action.DELETE, index=10),
                         change("nomad_job.db", Action.DELETE, index=10)))
    with pytest.raises(ConfigError):
        apply_plan(plan, state, manager, executors(calls), config=config)
    assert calls.log == [] and manager.persisted == []
