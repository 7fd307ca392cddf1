"""Redaction of sensitive values and their restoring from the desired body."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ncplan.planner.redaction import (
    MARKER,
    change_masks,
    hidden_nomad_plan,
    hide,
    holds_secret,
    marker_mask,
    nomad_plan_mask,
    redact,
    restore,
)
from ncplan.providers.live import NomadJobPlan

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


def test_the_rule_a_text_containing_a_secret_holds_it_numbers_by_their_digits() -> None:
    """One rule everywhere: with the secret 80, the port 8080 holds it (in the plan, the
    state, the plan file alike); an empty secret holds nothing; null and booleans never."""
    assert holds_secret(8080, frozenset({"80"}))
    assert holds_secret("listen :8080", frozenset({"80"}))
    assert holds_secret(80.5, frozenset({"80"}))
    assert not holds_secret(8181, frozenset({"80"}))
    assert not holds_secret("anything", frozenset({""}))
    assert not holds_secret(True, frozenset({"True", "true"}))
    assert not holds_secret(None, frozenset({"None"}))
    assert holds_secret("x", frozenset({"x"}))  # a one-letter secret masks what has it
    assert redact({"Port": 8080, "Other": 9090}, frozenset({"80"})) == {
        "Port": MARKER, "Other": 9090}


def test_a_rotated_value_is_masked_on_both_sides_by_its_path() -> None:
    before = {"Env": {"URL": "pg://u:OLD@x", "MODE": "a"}}
    after = {"Env": {"URL": "pg://u:NEW@x", "MODE": "b"}}
    assert change_masks(before, after, frozenset({"NEW"})) == (
        {"Env": {"URL": True}}, {"Env": {"URL": True}})


def test_a_path_the_state_holds_redacted_is_masked_on_both_sides() -> None:
    """The secret of the previous apply is unknown now: the state's marker says where it
    was, so the live value there (still the old secret) is masked, and its new value."""
    recorded = {"Env": {"URL": MARKER, "MODE": "a"}}
    before = {"Env": {"URL": "pg://u:OLD@x", "MODE": "a"}}
    after = {"Env": {"URL": "pg://u@x", "MODE": "a"}}  # no longer secret
    assert change_masks(before, after, frozenset({"unrelated"}), recorded=recorded) == (
        {"Env": {"URL": True}}, {"Env": {"URL": True}})


def test_masks_follow_named_list_items_not_positions() -> None:
    before = {"TaskGroups": [{"Name": "a", "Env": {"K": "1"}},
                             {"Name": "b", "Env": {"K": "pw=OLD"}}]}
    after = {"TaskGroups": [{"Name": "b", "Env": {"K": "pw=NEW"}}]}
    old, new = change_masks(before, after, frozenset({"NEW"}))
    assert new == {"TaskGroups": [{"Env": {"K": True}}]}
    assert old == {"TaskGroups": [False, {"Env": {"K": True}}]}


def test_nomad_diff_fields_are_masked_on_both_sides_by_the_values_the_change_masks() -> None:
    field = {"Name": "Env[URL]", "Old": "pg://u:OLD@x", "New": "pg://u:NEW@x",
             "Type": "Edited"}
    added = {"Name": "Env[TOKEN]", "Old": "", "New": "NEW", "Type": "Added"}
    other = {"Name": "Env[MODE]", "Old": "a", "New": "b", "Type": "Edited"}
    diff = {"TaskGroups": [{"Tasks": [{"Fields": [field, added, other]}]}]}
    plan = NomadJobPlan(job_name="web", diff_type="Edited", diff=diff, annotations=(),
                        failures=(), job_modify_index=1, warnings="")
    before = {"Env": {"URL": "pg://u:OLD@x"}}
    mask = nomad_plan_mask(plan, frozenset({"NEW"}), (before, {"Env": {"URL": True}}))
    assert mask == {"diff": {"TaskGroups": [{"Tasks": [{"Fields": [
        {"Old": True, "New": True}, {"New": True}, False]}]}]}}
    shown = hidden_nomad_plan(plan, mask)
    assert shown is not None
    fields = shown.diff["TaskGroups"][0]["Tasks"][0]["Fields"]
    assert [(f["Old"], f["New"]) for f in fields] == [(MARKER, MARKER), ("", MARKER), ("a", "b")]


def test_hide_masks_all_of_a_part_whose_mask_has_another_shape() -> None:
    """A mask that does not fit its value (a list where a map was) hides the whole part:
    over-masking is the safe failure."""
    assert hide({"Env": ["a", "b"]}, {"Env": {"K": True}}) == {"Env": MARKER}
    assert hide({"Env": {"K": "v"}, "Keep": 1}, {"Env": [True]}) == {"Env": MARKER, "Keep": 1}
    assert hide("scalar", {"K": True}) == MARKER
    assert hide({"K": "v"}, False) == {"K": "v"}
