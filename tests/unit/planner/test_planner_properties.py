"""Properties: a state recorded from the configuration plans as all no-op; projecting a
live value that only adds server fields gives back the desired value."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import desired, recorded, state_of

from ncplan.kinds.managed import project
from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.model import Action

EXAMPLES = ("connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))
KEYS = st.sampled_from(["Name", "Count", "Env", "Config", "Meta", "Tasks", "X", "Y"])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXAMPLES), st.data())
def test_state_recorded_from_the_configuration_plans_no_change(example: str,
                                                               data: st.DataObject) -> None:
    resources = desired(example)
    chosen = data.draw(st.lists(st.sampled_from(resources), unique_by=lambda r: r.address))
    state = state_of([recorded(r, data.draw(st.integers(0, 99))) for r in resources])
    targets = tuple(r.address for r in chosen)
    plan = build_plan(PlanRequest(desired=resources, state=state, targets=targets))
    assert {c.action for c in plan.changes} <= {Action.NOOP}
    assert plan.is_empty() and plan.apply_order == ()


def with_server_fields(value: Any, extra: dict[str, Any]) -> Any:
    """``value`` as a server answers it: every map gains fields ncplan never sets."""
    if isinstance(value, dict):
        return {**extra, **{k: with_server_fields(v, extra) for k, v in value.items()}}
    if isinstance(value, list):
        return [with_server_fields(v, extra) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(JSON, st.dictionaries(st.sampled_from(["ModifyIndex", "Status", "Region"]), SCALARS))
def test_projection_drops_only_what_the_server_added(value: Any, extra: dict[str, Any]) -> None:
    assert project(value, value) == value
    assert project(with_server_fields(value, extra), value) == value
