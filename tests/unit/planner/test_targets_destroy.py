"""``--target`` (transitive closure, unknown address, warning) and ``--destroy`` order."""

from __future__ import annotations

import pytest
from planner_helpers import desired, recorded, state_of

from ncplan.errors import ConfigError, NcplanError
from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.model import Action, PlanMode
from ncplan.planner.targets import TARGETING_WARNING

MESH = desired("envoy-mesh")


def test_target_brings_what_it_needs_transitively() -> None:
    plan = build_plan(PlanRequest(desired=MESH, targets=("nomad_job.frontend",)))
    assert {c.address for c in plan.changes} == {
        "nomad_job.frontend", "consul_intention.frontend:api", "nomad_job.api",
        "consul_service_defaults.api", "consul_intention.api:db",
        "nomad_job.db",  # needed by api, which frontend needs: only reached transitively
    }
    assert TARGETING_WARNING in plan.warnings
    assert plan.warnings[0].summary == "Resource targeting is in effect"
    assert plan.targets == ("nomad_job.frontend",)


def test_target_of_a_leaf_is_only_the_leaf() -> None:
    plan = build_plan(PlanRequest(desired=MESH, targets=("nomad_job.db",)))
    assert [c.address for c in plan.changes] == ["nomad_job.db"]


def test_unknown_target_is_an_error_naming_it() -> None:
    with pytest.raises(NcplanError, match=r"nomad_job\.nope"):
        build_plan(PlanRequest(desired=MESH, targets=("nomad_job.nope",)))


def test_malformed_target_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        build_plan(PlanRequest(desired=MESH, targets=("web",)))
    assert "web" in caught.value.diagnostics[0].summary


def test_destroy_deletes_everything_in_reverse_dependency_order() -> None:
    state = state_of([recorded(r, 1) for r in MESH])
    plan = build_plan(PlanRequest(desired=MESH, state=state, mode=PlanMode.DESTROY))
    assert {c.action for c in plan.changes} == {Action.DELETE}
    assert len(plan.changes) == len(MESH)
    position = {a: i for i, batch in enumerate(plan.apply_order) for a in batch}
    assert position["nomad_job.frontend"] < position["consul_intention.frontend:api"]
    assert position["consul_intention.frontend:api"] < position["nomad_job.api"]
    assert position["nomad_job.api"] < position["nomad_job.db"]
    assert plan.apply_order[0] == ("nomad_job.frontend",)
    assert plan.apply_order[-1] == ("nomad_job.db",)
    assert plan.warnings == ()


def test_targeted_destroy_takes_what_depends_on_the_target() -> None:
    state = state_of([recorded(r, 1) for r in MESH])
    plan = build_plan(PlanRequest(desired=MESH, state=state, mode=PlanMode.DESTROY,
                                  targets=("nomad_job.api",)))
    assert {c.address for c in plan.changes} == {
        "nomad_job.api", "consul_service_defaults.api", "consul_intention.frontend:api",
        "nomad_job.frontend"}


def test_apply_order_puts_creates_in_dependency_order() -> None:
    plan = build_plan(PlanRequest(desired=MESH))
    flat = [a for batch in plan.apply_order for a in batch]
    assert flat.index("nomad_job.db") < flat.index("consul_intention.api:db")
    assert flat.index("consul_intention.api:db") < flat.index("nomad_job.api")
    assert flat.index("nomad_job.api") < flat.index("nomad_job.frontend")
    assert plan.counts() == (len(MESH), 0, 0)
