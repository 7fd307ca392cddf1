"""``consul_config_entry`` on the real agents: Consul's docs entries applied unchanged
(marked with the state's lineage, no change on the next plan, destroyed without a
refusal), check-and-set against a saved plan, import of an entry made by hand, and a
change outside ncplan shown as drift."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, apply_all, ncplan

from ncplan.config import load_config
from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.errors import CheckAndSetConflict
from ncplan.orchestration.refresh import refresh
from ncplan.providers.clients import Providers
from ncplan.providers.consul_config import split_weights
from ncplan.providers.consul_config_entry import ConsulConfigEntries
from ncplan.providers.live import LiveConfigEntry
from ncplan.resources.desired import lower_config
from ncplan.transport.consul import ConsulHttpSettings

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[1] / "data" / "consul-entries"
FILES = ("global.consul.hcl", "web-defaults.consul.hcl", "web-resolver.consul.hcl",
         "web-splitter.consul.hcl", "web-router.consul.hcl", "ingress.consul.json")
SPLITTER = "consul_config_entry.service-splitter.web"


def _keys() -> list[tuple[str, str]]:
    found = []
    for name in FILES:
        entry = read_entry_file(name, (DOCS / name).read_text(), Sink())
        assert entry is not None
        found.append(entry.key)
    return found


def _wipe(agents: Agents) -> None:
    for kind, name in reversed(_keys()):
        agents.consul("DELETE", f"/v1/config/{kind}/{name}")


@pytest.fixture
def docs(agents: Agents, tmp_path: Path) -> Iterator[Path]:
    _wipe(agents)
    for name in FILES:
        shutil.copy(DOCS / name, tmp_path / name)
    (tmp_path / "main.hcl").write_text('defaults {\n  datacenters = ["dc1"]\n}\n')
    yield tmp_path
    _wipe(agents)


def _splitter(agents: Agents) -> dict[str, object]:
    answer = agents.consul("GET", "/v1/config/service-splitter/web")
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def test_the_docs_entries_apply_unchanged_marked_then_plan_nothing_and_destroy(
        agents: Agents, docs: Path) -> None:
    env = agent_env(agents)
    applied = ncplan(docs, ["apply", "--auto-approve", "--no-wait"], env)
    assert applied.exit_code == 0, applied.both
    assert "Resources: 6 added" in applied.stdout
    chain = agents.consul("GET", "/v1/discovery-chain/web").json()
    assert split_weights(chain) == {"v1.web.default.default.dc1": 90.0,
                                    "v2.web.default.default.dc1": 10.0}
    meta = _splitter(agents)["Meta"]
    assert isinstance(meta, dict) and meta.get("ncplan-lineage")
    again = ncplan(docs, ["plan", "--detailed-exitcode"], env)
    assert again.exit_code == 0, again.both
    destroyed = ncplan(docs, ["destroy", "--auto-approve"], env)
    assert destroyed.exit_code == 0, destroyed.both
    for kind, name in _keys():
        assert agents.consul("GET", f"/v1/config/{kind}/{name}").status_code == 404


def test_a_saved_plan_refuses_an_entry_changed_since_and_drift_shows_it(
        agents: Agents, docs: Path) -> None:
    env = agent_env(agents)
    assert ncplan(docs, ["apply", "--auto-approve", "--no-wait"], env).exit_code == 0
    splitter = docs / "web-splitter.consul.hcl"
    splitter.write_text(splitter.read_text().replace("= 90", "= 80").replace("= 10", "= 20"))
    saved = docs / "shift.plan"
    assert ncplan(docs, ["plan", "--out", str(saved)], env).exit_code == 0
    outside = _splitter(agents)
    outside["Splits"] = [{"Weight": 70, "ServiceSubset": "v1"},
                         {"Weight": 30, "ServiceSubset": "v2"}]
    assert agents.consul("PUT", "/v1/config", json=outside).text.strip() == "true"
    refused = ncplan(docs, ["apply", str(saved)], env)
    assert refused.exit_code == 1, refused.both
    assert f"{SPLITTER} changed since the plan" in refused.both
    assert _splitter(agents)["Splits"] == outside["Splits"]  # nothing written over it
    drift = ncplan(docs, ["plan", "--refresh-only"], env)
    assert f"# {SPLITTER} has changed" in drift.stdout, drift.stdout


def test_an_entry_made_by_hand_is_imported_and_marked(agents: Agents, docs: Path) -> None:
    env = agent_env(agents)
    for name in FILES[:3]:  # the protocol and the resolver first, as Consul needs
        entry = read_entry_file(name, (docs / name).read_text(), Sink())
        assert entry is not None
        assert agents.consul("PUT", "/v1/config", json=dict(entry.body)).status_code == 200
    imported = ncplan(docs, ["import", "consul_config_entry.service-resolver.web",
                             "service-resolver.web"], env)
    assert imported.exit_code == 0, imported.both
    resolver = agents.consul("GET", "/v1/config/service-resolver/web").json()
    assert resolver["Meta"]["ncplan-lineage"]
    plan = ncplan(docs, ["plan"], env)  # the imported resolver has no changes; the other
    assert "service-resolver.web" not in plan.stdout, plan.stdout  # two by hand: imports
    assert "consul_config_entry.service-defaults.web will be imported" in plan.stdout
    assert "Plan: 2 to import, 3 to add, 0 to change, 0 to destroy." in plan.stdout


def test_writes_and_deletes_are_check_and_set_on_the_entrys_index(agents: Agents,
                                                                   docs: Path) -> None:
    entries = ConsulConfigEntries(ConsulHttpSettings(address=agents.consul_addr))
    key = "service-defaults.web"
    first = entries.write(key, {"Protocol": "http"}, 0)
    with pytest.raises(CheckAndSetConflict, match="changed since the plan"):
        entries.write(key, {"Protocol": "grpc"}, 0)  # a create over an existing entry
    second = entries.write(key, {"Protocol": "http2"}, first)
    with pytest.raises(CheckAndSetConflict):
        entries.write(key, {"Protocol": "grpc"}, first)  # stale: the entry moved on
    with pytest.raises(CheckAndSetConflict):
        entries.delete(key, first)
    live = entries.read(key)
    assert live is not None and live.body["Protocol"] == "http2"
    entries.delete(key, second)
    assert entries.read(key) is None
    entries.delete(key, second)  # already gone: done


def test_a_refresh_lists_each_consul_kind_once_and_reads_no_entry_alone(
        agents: Agents, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = agent_env(agents)
    state = apply_all(docs, env)
    config = load_config(docs, env=env, use_cache=False).config
    listed: list[str] = []
    read_kind = ConsulConfigEntries.read_kind

    def spied(self: ConsulConfigEntries, kind: str) -> dict[str, LiveConfigEntry]:
        listed.append(kind)
        return read_kind(self, kind)

    def alone(self: ConsulConfigEntries, key: str) -> None:
        raise AssertionError(f"{key} read on its own")
    monkeypatch.setattr(ConsulConfigEntries, "read_kind", spied)
    monkeypatch.setattr(ConsulConfigEntries, "read", alone)
    refreshed = refresh(lower_config(config), state, config,
                        providers=Providers.from_config(config, env))
    assert sorted(listed) == sorted({kind for kind, _ in _keys()})  # once per kind
    for recorded in state.resources:
        live = refreshed.config_entries[recorded.typed_address.name]
        assert live is not None and live.modify_index == recorded.observed_index
