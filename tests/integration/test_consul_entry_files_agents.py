"""The docs' entry files, read by ncplan and written over HTTP, are the entries Consul's
own CLI writes from the same files (`consul config write FILE`, HCL 1 with its decode
hook): the proof that ``Match { HTTP { ... } }`` inside a list item means what Consul
means."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.providers.consul_config import ConfigEntries, consul_client
from ncplan.transport.consul import ConsulHttpSettings

DOCS = Path(__file__).resolve().parents[1] / "data" / "consul-entries"
# In the order Consul accepts them (protocol first, subsets before the splitter).
FILES = ("global.consul.hcl", "web-defaults.consul.hcl", "web-resolver.consul.hcl",
         "web-splitter.consul.hcl", "web-router.consul.hcl", "ingress.consul.json")


@pytest.fixture
def entries(agents: Agents) -> Iterator[ConfigEntries]:
    yield ConfigEntries(consul_client(ConsulHttpSettings(address=agents.consul_addr)))
    for name in reversed(FILES):
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        agents.consul("DELETE", f"/v1/config/{entry.kind}/{entry.name}")


def stored(entries: ConfigEntries, kind: str, name: str) -> dict[str, Any]:
    found = entries.get(kind, name)
    assert found is not None
    return {k: v for k, v in found.items() if k not in ("CreateIndex", "ModifyIndex")}


def test_each_docs_entry_is_what_consul_config_write_makes_of_it(
        agents: Agents, entries: ConfigEntries) -> None:
    by_cli: dict[str, dict[str, Any]] = {}
    for name in FILES:
        written = subprocess.run(
            [str(agents.consul_binary), "config", "write", f"-http-addr={agents.consul_addr}",
             str(DOCS / name)], capture_output=True, text=True, timeout=60, check=False,
            env={"PATH": "/usr/bin:/bin"})
        assert written.returncode == 0, written.stderr
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        by_cli[name] = stored(entries, entry.kind, entry.name)
    for name in reversed(FILES):  # delete what the CLI wrote, in reverse
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        index = entries.index(entry.kind, entry.name)
        assert index is not None and entries.delete(entry.kind, entry.name, index) is True
    for name in FILES:
        sink = Sink()
        entry = read_entry_file(name, (DOCS / name).read_text(), sink)
        assert entry is not None and not sink.diagnostics
        assert entries.put(entry.body, 0) is True
        assert stored(entries, entry.kind, entry.name) == by_cli[name], name
    assert by_cli["web-router.consul.hcl"]["Routes"][0]["Match"]["HTTP"]["PathPrefix"] \
        == "/admin"
