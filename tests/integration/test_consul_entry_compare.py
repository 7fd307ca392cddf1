"""Each docs entry, written to the real Consul and read back, is the same entry to
``same_entry`` (no noise from what Consul adds); a weight change is not."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import ConsulEntry
from ncplan.providers.consul_config import ConfigEntries, consul_client
from ncplan.resources.entry_compare import same_entry
from ncplan.transport.consul import ConsulHttpSettings

DOCS = Path(__file__).resolve().parents[1] / "data" / "consul-entries"
FILES = ("global.consul.hcl", "web-defaults.consul.hcl", "web-resolver.consul.hcl",
         "web-splitter.consul.hcl", "web-router.consul.hcl", "ingress.consul.json")


def docs_entries() -> list[ConsulEntry]:
    found = []
    for name in FILES:
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        found.append(entry)
    return found


@pytest.fixture
def entries(agents: Agents) -> Iterator[ConfigEntries]:
    yield ConfigEntries(consul_client(ConsulHttpSettings(address=agents.consul_addr)))
    for entry in reversed(docs_entries()):
        agents.consul("DELETE", f"/v1/config/{entry.kind}/{entry.name}")


def test_read_back_every_docs_entry_is_the_same_and_a_weight_change_is_not(
        entries: ConfigEntries) -> None:
    for entry in docs_entries():  # in an order Consul accepts (proxy-defaults: http)
        assert entries.put(entry.body, 0) is True
        live = entries.get(entry.kind, entry.name)
        assert live is not None and live != entry.body  # Consul adds fields ...
        assert same_entry(entry.body, live), entry.file  # ... that are no change
        if entry.kind == "service-splitter":
            shifted = copy.deepcopy(dict(entry.body))
            shifted["Splits"][0]["Weight"], shifted["Splits"][1]["Weight"] = 50, 50
            assert not same_entry(shifted, live)
