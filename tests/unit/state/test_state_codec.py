from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from state_helpers import job, state_with

from ncplan.errors import StateError
from ncplan.state.codec import StateEncoder, decode, encode, to_json
from ncplan.state.model import CURRENT_VERSION, ResourceState, State


def test_round_trip_keeps_every_field() -> None:
    web = ResourceState("nomad_job.web", "nomad_job", "web", {"count": 2, "meta": {"a": "b"}},
                        41, ("nomad_job.db",))
    state = state_with(web, job("db", 7))
    again = decode(encode(state), "x.json")
    assert again == state
    assert again.addresses == ("nomad_job.db", "nomad_job.web")


def test_encoding_is_stable_text() -> None:
    state = state_with(job("db"))
    assert encode(state) == encode(decode(encode(state), "x"))
    assert encode(state).endswith(b"}\n")


def _doc(**changes: object) -> bytes:
    doc = to_json(state_with(job("db")))
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(("data", "problem"), [
    (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
    (b"[1, 2]", "must be a JSON object, not a list"),
    (b'{"serial": 1}', "has no 'version' field"),
    (_doc(version="2"), "'version' must be an integer"),
    (_doc(version=0), "unknown state format version 0"),
    (_doc(version=CURRENT_VERSION + 1, ncplan_version="9.0.0"),
     f"written by ncplan 9.0.0 in format version {CURRENT_VERSION + 1}"),
    (_doc(serial=-1), "'serial' must not be negative"),
    (_doc(serial=True), "field 'serial' must be a number, not a bool"),
    (_doc(lineage=""), "'lineage' must not be empty"),
    (b'{"version": 2, "ncplan_version": "0.1.0", "serial": 1, "resources": []}',
     "missing field 'lineage'"),
    (b"\xff\xfe", "not UTF-8 text"),
])
def test_bad_documents_are_refused_naming_the_source(data: bytes, problem: str) -> None:
    with pytest.raises(StateError) as caught:
        decode(data, "dir/ncplan.state.json")
    assert caught.value.message.startswith("dir/ncplan.state.json: ")
    assert problem in caught.value.message


def test_missing_resource_field_names_the_resource() -> None:
    doc = to_json(state_with(job("db")))
    del doc["resources"][0]["observed_index"]  # type: ignore[index]
    with pytest.raises(StateError, match=r"s.json: resource nomad_job.db: missing field "
                                         r"'observed_index'"):
        decode(json.dumps(doc).encode(), "s.json")


def test_duplicate_addresses_are_refused() -> None:
    doc = to_json(state_with(job("db")))
    doc["resources"] = doc["resources"] * 2  # type: ignore[operator]
    with pytest.raises(StateError, match=r"duplicate address 'nomad_job\.db'"):
        decode(json.dumps(doc).encode(), "s.json")


def test_newer_format_hint_says_upgrade() -> None:
    with pytest.raises(StateError) as caught:
        decode(_doc(version=CURRENT_VERSION + 1), "s.json")
    assert caught.value.hint is not None and "upgrade ncplan" in caught.value.hint


def test_state_helpers() -> None:
    state = State.new([job("b"), job("a")])
    assert state.serial == 0 and len(state.lineage) == 36
    assert state.addresses == ("nomad_job.a", "nomad_job.b")
    assert state.without(["nomad_job.a"]).addresses == ("nomad_job.b",)
    replaced = state.with_resource(job("a", 9))
    assert replaced.resource("nomad_job.a") == job("a", 9)
    assert not replaced.same_content(state)
    assert state.resource("nomad_job.zz") is None


def test_unknown_top_level_fields_are_refused_by_name() -> None:
    with pytest.raises(StateError) as caught:
        decode(_doc(outputs={}, terraform_version="1.5"), "s.json")
    assert caught.value.message == "s.json: unknown fields 'outputs', 'terraform_version'"
    assert caught.value.hint is not None and "would drop it" in caught.value.hint


def test_unknown_resource_fields_are_refused_naming_the_resource() -> None:
    doc = to_json(state_with(job("db")))
    doc["resources"][0]["sensitive"] = True  # type: ignore[index]
    with pytest.raises(StateError) as caught:
        decode(json.dumps(doc).encode(), "s.json")
    assert caught.value.message == "s.json: resource nomad_job.db: unknown field 'sensitive'"


@pytest.mark.parametrize(("data", "problem"), [
    (b'{"version": 2, "serial": ' + b"9" * 5000 + b"}", "the state is not valid JSON: "),
    (b"[" * 100_000 + b"]" * 100_000, "the state is nested too deeply to read"),
])
def test_json_python_cannot_convert_is_a_state_error(data: bytes, problem: str) -> None:
    with pytest.raises(StateError) as caught:
        decode(data, "s.json")
    assert caught.value.message.startswith(f"s.json: {problem}")


def _resources() -> st.SearchStrategy[list[ResourceState]]:
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                     inner, max_size=3),
        max_leaves=8)
    names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
    addresses = names.map(lambda name: f"nomad_job.{name}")
    resource = st.builds(
        ResourceState, address=addresses, kind=st.just("nomad_job"),
        id=st.text(max_size=6), attributes=st.dictionaries(st.text(max_size=5), json_values,
                                                           max_size=4),
        observed_index=st.integers(min_value=0), dependencies=st.lists(
            addresses, max_size=2).map(tuple))
    return st.lists(resource, max_size=5, unique_by=lambda r: r.address)


@given(first=_resources(), second=_resources())
def test_the_incremental_encoder_writes_exactly_what_encode_writes(
        first: list[ResourceState], second: list[ResourceState]) -> None:
    encoder = StateEncoder()
    state = State.new(first)
    assert encoder.encode(state) == encode(state)
    reused = state.resources[:2]  # the same objects in the next state, as an apply does
    taken = {r.address for r in reused}
    kept = state.with_resources([*reused, *(r for r in second if r.address not in taken)])
    assert encoder.encode(kept) == encode(kept)
    assert decode(encoder.encode(kept), "test") == kept


def test_the_incremental_encoder_reencodes_only_new_resources(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ncplan.state.codec as codec

    state = State.new([ResourceState(f"nomad_job.s{i}", "nomad_job", f"s{i}", {"n": i})
                       for i in range(5)])
    encoder = StateEncoder()
    encoder.encode(state)
    changed = state.with_resource(ResourceState("nomad_job.s3", "nomad_job", "s3", {"n": 9}))
    expected = encode(changed)
    encoded: list[str] = []
    real = codec.resource_json
    monkeypatch.setattr(codec, "resource_json",
                        lambda r: encoded.append(r.address) or real(r))
    assert encoder.encode(changed) == expected
    assert encoded == ["nomad_job.s3"]
