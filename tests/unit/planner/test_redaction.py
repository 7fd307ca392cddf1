"""Redaction of sensitive values and their restoring from the desired body."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ncplan.planner.redaction import MARKER, marker_mask, redact, restore

SECRETS = frozenset({"hunter2", "42"})

json_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) \
    | st.text(max_size=12) | st.sampled_from(["hunter2", "pw=hunter2;", "42", MARKER])
json_values = st.recursive(
    json_leaves, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)
secret_sets = st.frozensets(st.text(min_size=0, max_size=4) | st.sampled_from(["hunter2", "42"]),
                            max_size=3)


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


@settings(max_examples=300)
@given(json_values, secret_sets)
def test_restoring_a_redacted_value_from_itself_gives_it_back(value: Any,
                                                              secrets: frozenset[str]) -> None:
    assert restore(redact(value, secrets), value, secrets) == value


@settings(max_examples=300)
@given(json_values, secret_sets)
def test_a_redacted_value_holds_no_secret_text(value: Any, secrets: frozenset[str]) -> None:
    for leaf in leaves(redact(value, secrets)):
        if leaf == MARKER:  # the marker itself (a one-letter secret may be in its text)
            continue
        if isinstance(leaf, str):
            assert not any(s and s in leaf for s in secrets), leaf
        elif isinstance(leaf, int | float) and not isinstance(leaf, bool):
            assert str(leaf) not in secrets


def test_redaction_keeps_the_structure_and_marks_each_leaf_holding_a_secret() -> None:
    job = {"Env": {"DB": "pw=hunter2", "PORT": 42, "MODE": "prod"}, "Args": ["hunter2", "x"],
           "Count": 3, "Enabled": True}
    assert redact(job, SECRETS) == {
        "Env": {"DB": MARKER, "PORT": MARKER, "MODE": "prod"}, "Args": [MARKER, "x"],
        "Count": 3, "Enabled": True}
    assert marker_mask(redact(job, SECRETS)) == {"Env": {"DB": True, "PORT": True},
                                                   "Args": [True, False]}


def test_restore_takes_only_a_desired_value_that_still_holds_a_secret() -> None:
    recorded = {"Env": {"DB": MARKER, "OLD": MARKER}}
    desired = {"Env": {"DB": "pw=hunter2", "OLD": "no longer secret"}}
    # a value that is no longer secret stays the marker: the plan shows it changes
    assert restore(recorded, desired, SECRETS) == {"Env": {"DB": "pw=hunter2", "OLD": MARKER}}
    assert restore(recorded, None, SECRETS) == recorded


def test_no_secrets_redact_nothing() -> None:
    assert redact({"a": "hunter2"}, frozenset()) == {"a": "hunter2"}
    assert redact({"a": "hunter2"}, frozenset({""})) == {"a": "hunter2"}
