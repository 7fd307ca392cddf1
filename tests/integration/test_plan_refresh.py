"""``refresh``: what one refresh reads from the real agents, and how its errors read."""

from __future__ import annotations

from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, apply_all, copy_example

from ncplan.config import load_config
from ncplan.errors import NcplanError, ProviderUnreachable
from ncplan.orchestration.refresh import refresh
from ncplan.providers.clients import Providers
from ncplan.providers.live import Refreshed
from ncplan.resources.desired import lower_config
from ncplan.state.model import State

pytestmark = pytest.mark.usefixtures("wiped")


def refresh_example(directory: Path, env: dict[str, str], state: State | None,
                    parallelism: int = 10) -> Refreshed:
    config = load_config(directory, env=env, use_cache=False).config
    return refresh(lower_config(config), state, config, parallelism=parallelism,
                   providers=Providers.from_config(config, env))


def test_refresh_of_a_new_configuration(agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("envoy-mesh", tmp_path)
    found = refresh_example(directory, agent_env(agents), None, parallelism=1)
    assert found.jobs == {"api": None, "db": None, "frontend": None}
    assert found.intentions == {"*": None, "api": None, "db": None}
    assert found.service_defaults == {"api": None}
    plans = found.plans
    assert {name: plan.diff_type for name, plan in plans.items()} == {
        "api": "Added", "db": "Added", "frontend": "Added"}
    assert found.drift_plans == {}
    assert not found.mesh.denies_by_default
    assert "consul" in found.catalog_services


def test_unchanged_jobs_plan_as_none_and_only_moved_jobs_get_a_drift_plan(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad-raw", tmp_path)
    env = agent_env(agents)
    state = apply_all(directory, env)
    found = refresh_example(directory, env, state)
    assert set(found.parsed_jobs) == {"db", "web"}
    assert {n: p.diff_type for n, p in found.plans.items()} == {"db": "None", "web": "None"}
    assert found.drift_plans == {}

    job = agents.nomad("GET", "/v1/job/db").json()
    job["TaskGroups"][0]["Count"] = 2
    assert agents.nomad("POST", "/v1/jobs", json={"Job": job}).ok
    moved = refresh_example(directory, env, state)
    assert set(moved.drift_plans) == {"db"}
    drift = moved.drift_plans["db"]
    assert drift.diff_type == "Edited"  # live count 2 -> recorded count 1
    assert moved.plans["db"].diff_type == "Edited"
    assert moved.plans["web"].diff_type == "None"


def test_a_read_error_names_the_resource(agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    env = {**agent_env(agents), "NOMAD_ADDR": "http://127.0.0.1:1"}
    with pytest.raises(ProviderUnreachable) as caught:
        refresh_example(directory, env, None)
    assert caught.value.message.startswith("nomad_job.db: cannot reach Nomad at "
                                           "http://127.0.0.1:1")
    assert caught.value.hint is not None and "NOMAD_ADDR" in caught.value.hint


def test_parallelism_below_one_is_refused(agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("connect-on-nomad", tmp_path)
    with pytest.raises(NcplanError, match="--parallelism"):
        refresh_example(directory, agent_env(agents), None, parallelism=0)
