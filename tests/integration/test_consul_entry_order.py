"""The canary set of Consul's docs (service-defaults, resolver subsets v1/v2, splitter
90/10) written to the real Consul in the order entry_order computes from the contents,
with check-and-set: Consul's compiled discovery chain holds the targets and weights the
files ask for; 90/10 -> 50/50 is one check-and-set update; destroy in reverse deletes
every entry without a refusal. Out of that order, Consul refuses."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import CanarySpec, ConsulEntry
from ncplan.errors import ProviderError
from ncplan.providers.consul_config import ConfigEntries, consul_client, split_weights
from ncplan.resources.entry_order import entry_address, entry_dependencies
from ncplan.resources.graph import ResourceGraph
from ncplan.resources.traffic import lower_traffic
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy

DOCS = Path(__file__).resolve().parents[1] / "data" / "consul-entries"
CANARY = ("web-defaults.consul.hcl", "web-resolver.consul.hcl", "web-splitter.consul.hcl")
V1, V2 = "v1.web.default.default.dc1", "v2.web.default.default.dc1"


@pytest.fixture
def entries(agents: Agents) -> Iterator[ConfigEntries]:
    yield ConfigEntries(consul_client(ConsulHttpSettings(address=agents.consul_addr),
                                      retry=RetryPolicy(tries=1)))
    for kind in ("service-splitter", "service-resolver", "service-defaults"):
        agents.consul("DELETE", f"/v1/config/{kind}/web")


def canary() -> dict[str, ConsulEntry]:
    found = {}
    for name in CANARY:
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        found[entry_address(*entry.key)] = entry
    return found


def test_the_canary_applies_in_content_order_shifts_to_50_50_and_destroys_in_reverse(
        entries: ConfigEntries) -> None:
    by_address = canary()
    graph = ResourceGraph(entry_dependencies(list(by_address.values())))
    indexes: dict[str, int] = {}
    for batch in graph.apply_order():
        for address in batch:
            indexes[address] = entries.write(address, by_address[address].body, 0)
    assert split_weights(entries.discovery_chain("web")) == {V1: 90.0, V2: 10.0}

    splitter = entry_address("service-splitter", "web")
    shifted = copy.deepcopy(dict(by_address[splitter].body))
    shifted["Splits"][0]["Weight"] = shifted["Splits"][1]["Weight"] = 50
    indexes[splitter] = entries.write(splitter, shifted, indexes[splitter])
    assert split_weights(entries.discovery_chain("web")) == {V1: 50.0, V2: 50.0}

    for batch in graph.destroy_order():
        for address in batch:
            entry = by_address[address]
            assert entries.delete(entry.kind, entry.name, indexes[address]) is True
            assert entries.get(entry.kind, entry.name) is None


def test_the_splitter_written_first_is_refused(entries: ConfigEntries) -> None:
    splitter = canary()[entry_address("service-splitter", "web")]
    with pytest.raises(ProviderError, match='does not have a subset named "v1"'):
        entries.write("splitter", splitter.body, 0)


def test_deleting_the_resolver_before_the_splitter_is_refused(
        entries: ConfigEntries) -> None:
    by_address = canary()
    graph = ResourceGraph(entry_dependencies(list(by_address.values())))
    for batch in graph.apply_order():
        for address in batch:
            entries.write(address, by_address[address].body, 0)
    index = entries.index("service-resolver", "web")
    assert index is not None
    with pytest.raises(ProviderError, match='does not have a subset named "v1"'):
        entries.delete("service-resolver", "web", index)


@pytest.fixture
def api_canary(agents: Agents) -> Iterator[str]:
    name = "api-canary-lowered"
    yield name
    for kind in ("service-splitter", "service-resolver", "service-defaults"):
        agents.consul("DELETE", f"/v1/config/{kind}/{name}")


def test_the_lowered_canary_block_compiles_to_its_weights_with_failover(
        entries: ConfigEntries, api_canary: str) -> None:
    lowered = {entry_address(*e.key): e
               for e in lower_traffic(api_canary, CanarySpec(10))}
    defaults = {"Kind": "service-defaults", "Name": api_canary, "Protocol": "http"}
    entries.write("consul_service_defaults", defaults, 0)  # what `protocol = "http"` writes
    graph = ResourceGraph(entry_dependencies(list(lowered.values())))
    indexes = {}
    for batch in graph.apply_order():
        for address in batch:
            indexes[address] = entries.write(address, lowered[address].body, 0)
    chain = entries.discovery_chain(api_canary)
    stable = f"stable.{api_canary}.default.default.dc1"
    canary = f"canary.{api_canary}.default.default.dc1"
    assert split_weights(chain) == {stable: 90.0, canary: 10.0}
    failover = chain["Chain"]["Nodes"][f"resolver:{canary}"]["Resolver"]["Failover"]
    assert failover["Targets"] == [stable]

    splitter = entry_address("service-splitter", api_canary)
    [shifted] = [e for e in lower_traffic(api_canary, CanarySpec(50))
                 if e.kind == "service-splitter"]
    entries.write(splitter, shifted.body, indexes[splitter])
    assert split_weights(entries.discovery_chain(api_canary)) == {stable: 50.0, canary: 50.0}
    for batch in graph.destroy_order():
        for address in batch:
            entry = lowered[address]
            index = entries.index(entry.kind, entry.name)
            assert index is not None and entries.delete(entry.kind, entry.name, index)
