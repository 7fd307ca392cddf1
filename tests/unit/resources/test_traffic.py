"""A service's canary and route blocks lowered to config entries (the design of
docs/language.md "Traffic: canary and route")."""

from __future__ import annotations

import json

import pytest

from ncplan.config.collector import Sink
from ncplan.config.entry_checks import check_entries, scaled_weight
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import CanarySpec, ConsulEntry, PathRoute
from ncplan.config.model import Service, Task
from ncplan.resources.entry_order import entry_address, entry_dependencies
from ncplan.resources.graph import ResourceGraph
from ncplan.resources.traffic import lower_traffic, track_meta


def by_kind(entries: tuple[ConsulEntry, ...]) -> dict[str, ConsulEntry]:
    return {e.kind: e for e in entries}


def test_a_canary_of_ten_percent_is_a_resolver_and_a_splitter() -> None:
    entries = by_kind(lower_traffic("api", CanarySpec(10)))
    assert set(entries) == {"service-resolver", "service-splitter"}
    assert entries["service-splitter"].body == {
        "Kind": "service-splitter", "Name": "api",
        "Splits": [{"Weight": 90, "ServiceSubset": "stable"},
                   {"Weight": 10, "ServiceSubset": "canary"}]}
    assert entries["service-resolver"].body == {
        "Kind": "service-resolver", "Name": "api", "DefaultSubset": "stable",
        "Subsets": {"stable": {"Filter": "Service.Meta.ncplan_track == stable"},
                    "canary": {"Filter": "Service.Meta.ncplan_track == canary",
                               "OnlyPassing": True}},
        "Failover": {"canary": {"ServiceSubset": "stable"}}}
    assert track_meta(False) == {"ncplan_track": "stable"}
    assert track_meta(True) == {"ncplan_track": "canary"}


def test_routes_become_one_router_in_block_order() -> None:
    [router] = lower_traffic("api", None, (PathRoute("/admin", "api-admin"),
                                           PathRoute("/v2", "api-v2")))
    assert router.body["Routes"] == [
        {"Match": {"HTTP": {"PathPrefix": "/admin"}}, "Destination": {"Service": "api-admin"}},
        {"Match": {"HTTP": {"PathPrefix": "/v2"}}, "Destination": {"Service": "api-v2"}}]


@pytest.mark.parametrize("weight", [0, 10, 33.33, 50, 100])
def test_the_typed_entries_are_what_reading_their_bodies_gives(weight: float) -> None:
    for lowered in lower_traffic("api", CanarySpec(weight), (PathRoute("/a", "b"),)):
        read = read_entry_file("x.consul.json", json.dumps(lowered.body), Sink())
        assert read is not None
        assert _without_spans(read.typed) == _without_spans(lowered.typed)


def _without_spans(value: object) -> object:
    text = repr(value)
    while "span=SourceSpan(" in text:
        start = text.index("span=SourceSpan(")
        text = text[:start] + "span=None" + text[text.index(")", start) + 1:]
    return text


def test_weights_always_sum_to_100_as_consul_sums_them() -> None:
    for weight in (0.01, 12.5, 33.33, 66.67, 99.99):
        splitter = by_kind(lower_traffic("api", CanarySpec(weight)))["service-splitter"]
        assert sum(scaled_weight(s["Weight"]) for s in splitter.body["Splits"]) == 10000


def test_the_lowered_canary_validates_on_http_and_is_refused_on_tcp() -> None:
    lowered = list(lower_traffic("api", CanarySpec(10)))
    sink = Sink()
    check_entries(lowered, (Service("api", Task("docker"), protocol="http"),), sink)
    assert sink.diagnostics == []
    check_entries(lowered, (Service("api", Task("docker")),), sink)
    assert [d.summary for d in sink.diagnostics] == [
        'discovery chain "api" uses a protocol "tcp" that does not permit advanced routing '
        "or splitting behavior"]


def test_the_lowered_canary_orders_protocol_then_resolver_then_splitter() -> None:
    lowered = lower_traffic("api", CanarySpec(10))
    needs = entry_dependencies(lowered, {"web": ("api",)}, ncplan_defaults=["api"])
    resolver = entry_address("service-resolver", "api")
    splitter = entry_address("service-splitter", "api")
    assert ResourceGraph({**needs, "consul_service_defaults.api": ()}).apply_order() == [
        ["consul_service_defaults.api"], [resolver], [splitter], ["nomad_job.web"]]
