"""The Consul providers against the real Consul dev agent: intentions keep foreign sources,
every write is check-and-set, service-defaults CRUD, the mesh policy and the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.live import LiveIntentions
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import STATS_ENV, RetryPolicy

OURS = {"Name": "web", "Action": "allow", "Description": "web reads db"}


@pytest.fixture
def intentions(agents: Agents) -> ConsulIntentions:
    return ConsulIntentions(ConsulHttpSettings(address=agents.consul_addr))


@pytest.fixture
def dst(agents: Agents, unique: str) -> Iterator[str]:
    name = f"db-{unique}"
    yield name
    agents.consul("DELETE", f"/v1/config/service-intentions/{name}")


def add_foreign(agents: Agents, destination: str, source: str = "api") -> None:
    """A source written outside ncplan, the way the UI and `consul intention create` do."""
    response = agents.consul("PUT", "/v1/connect/intentions/exact",
                             params={"source": source, "destination": destination},
                             json={"Action": "deny", "Description": "by hand"})
    assert response.json() is True


def live_sources(intentions: ConsulIntentions, destination: str) -> dict[str, Any]:
    live = intentions.read(destination)
    assert live is not None
    return {s["Name"]: s for s in live.sources}


def test_upsert_into_an_entry_with_a_foreign_source_keeps_it(
        agents: Agents, intentions: ConsulIntentions, dst: str) -> None:
    add_foreign(agents, dst)
    before = intentions.read(dst)
    assert before is not None
    index = intentions.upsert_source(dst, OURS, before.modify_index)
    after = intentions.read(dst)
    assert after is not None and after.modify_index == index > before.modify_index
    sources = {s["Name"]: s for s in after.sources}
    assert set(sources) == {"api", "web"}
    assert (sources["api"]["Action"], sources["api"]["Description"]) == ("deny", "by hand")
    assert sources["web"]["Action"] == "allow"
    # and an update of our source still keeps it
    intentions.upsert_source(dst, {**OURS, "Action": "deny"}, index)
    assert live_sources(intentions, dst)["api"]["Description"] == "by hand"
    assert live_sources(intentions, dst)["web"]["Action"] == "deny"


def test_cas_zero_creates_and_refuses_an_existing_entry(
        intentions: ConsulIntentions, dst: str) -> None:
    index = intentions.upsert_source(dst, OURS, 0)
    assert index > 0
    with pytest.raises(CheckAndSetConflict, match=rf"\(absent -> index {index}\)"):
        intentions.upsert_source(dst, {**OURS, "Action": "deny"}, 0)


def test_a_create_writes_without_reading_first(
        intentions: ConsulIntentions, dst: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """cas 0: nothing to keep and ``?cas=0`` creates only, so the write is the first
    request (then one read for the index the write does not answer)."""
    stats = tmp_path / "requests"
    monkeypatch.setenv(STATS_ENV, str(stats))
    index = intentions.upsert_source(dst, OURS, 0)
    sent = [line.split()[1:3] for line in stats.read_text().splitlines()]
    assert sent == [["PUT", "/v1/config"], ["GET", f"/v1/config/service-intentions/{dst}"]]
    assert index == intentions.read(dst).modify_index  # type: ignore[union-attr]


def test_a_stale_cas_is_refused_and_nothing_is_overwritten(
        agents: Agents, intentions: ConsulIntentions, dst: str) -> None:
    planned = intentions.upsert_source(dst, OURS, 0)
    add_foreign(agents, dst)
    now = intentions.read(dst)
    assert now is not None
    message = (f"consul_intention.web:{dst} changed since the plan "
               f"(index {planned} -> {now.modify_index}); run plan again")
    with pytest.raises(CheckAndSetConflict) as raised:
        intentions.upsert_source(dst, {**OURS, "Action": "deny"}, planned)
    assert raised.value.message == message
    with pytest.raises(CheckAndSetConflict):
        intentions.remove_source(dst, "web", planned)
    assert live_sources(intentions, dst)["web"]["Action"] == "allow"
    assert set(live_sources(intentions, dst)) == {"api", "web"}


def test_a_stale_cas_is_refused_even_when_the_write_would_change_nothing(
        agents: Agents, intentions: ConsulIntentions, dst: str) -> None:
    # Consul answers true to an identical write whatever ?cas says, so the provider
    # checks the index itself before writing.
    planned = intentions.upsert_source(dst, OURS, 0)
    add_foreign(agents, dst)
    with pytest.raises(CheckAndSetConflict, match=rf"\(index {planned} -> \d+\)"):
        intentions.upsert_source(dst, OURS, planned)
    with pytest.raises(CheckAndSetConflict, match=rf"\(index {planned} -> \d+\)"):
        intentions.remove_source(dst, "nobody", planned)


class WriteAfterRead(ConsulIntentions):
    """Another writer slips a source in between the provider's read and its write."""

    agents: Agents

    def read(self, destination: str) -> LiveIntentions | None:
        live = super().read(destination)
        add_foreign(self.agents, destination, "sneaky")
        return live


def test_a_write_racing_another_writer_loses_its_cas(agents: Agents, dst: str) -> None:
    racing = WriteAfterRead(ConsulHttpSettings(address=agents.consul_addr))
    racing.agents = agents
    index = ConsulIntentions(ConsulHttpSettings(address=agents.consul_addr)).upsert_source(
        dst, OURS, 0)
    with pytest.raises(CheckAndSetConflict, match=rf"\(index {index} -> \d+\)"):
        racing.upsert_source(dst, {**OURS, "Action": "deny"}, index)
    sources = live_sources(racing, dst)
    assert sources["web"]["Action"] == "allow" and "sneaky" in sources


def test_removing_the_last_source_racing_another_writer_keeps_the_entry(
        agents: Agents, dst: str) -> None:
    racing = WriteAfterRead(ConsulHttpSettings(address=agents.consul_addr))
    racing.agents = agents
    index = ConsulIntentions(ConsulHttpSettings(address=agents.consul_addr)).upsert_source(
        dst, OURS, 0)
    with pytest.raises(CheckAndSetConflict):
        racing.remove_source(dst, "web", index)
    assert set(live_sources(racing, dst)) == {"web", "sneaky"}


def test_remove_keeps_foreign_sources_and_the_last_one_deletes_the_entry(
        agents: Agents, intentions: ConsulIntentions, dst: str) -> None:
    index = intentions.upsert_source(dst, OURS, 0)
    add_foreign(agents, dst)
    live = intentions.read(dst)
    assert live is not None
    index = intentions.remove_source(dst, "web", live.modify_index)
    assert set(live_sources(intentions, dst)) == {"api"}
    assert intentions.remove_source(dst, "api", index) == 0
    assert intentions.read(dst) is None
    assert intentions.remove_source(dst, "api", index) == 0  # already gone: done


def test_an_unchanged_source_is_not_written(intentions: ConsulIntentions, dst: str) -> None:
    index = intentions.upsert_source(dst, OURS, 0)
    assert intentions.upsert_source(dst, dict(OURS), index) == index
    live = intentions.read(dst)
    assert live is not None and live.modify_index == index


def test_service_defaults_create_update_delete_with_cas(agents: Agents, unique: str) -> None:
    defaults = ConsulServiceDefaults(ConsulHttpSettings(address=agents.consul_addr))
    name = f"svc-{unique}"
    assert defaults.read(name) is None
    created = defaults.write(name, {"Protocol": "tcp"}, 0)
    live = defaults.read(name)
    assert live is not None and live.modify_index == created
    assert live.body["Protocol"] == "tcp"
    with pytest.raises(CheckAndSetConflict, match=rf"consul_service_defaults\.{name} "
                       rf"changed since the plan \(absent -> index {created}\)"):
        defaults.write(name, {"Protocol": "http"}, 0)
    updated = defaults.write(name, {**live.body, "Protocol": "http"}, created)
    assert updated > created
    with pytest.raises(CheckAndSetConflict, match=rf"\(index {created} -> {updated}\)"):
        defaults.write(name, {"Protocol": "grpc"}, created)
    with pytest.raises(CheckAndSetConflict):
        defaults.delete(name, created)
    with pytest.raises(CheckAndSetConflict, match=rf"consul_service_defaults\.{name} "
                       rf"changed since the plan \(absent -> index {updated}\)"):
        defaults.delete(name, 0)  # the plan saw it absent: DELETE ?cas=0 deletes nothing
    live = defaults.read(name)
    assert live is not None and live.body["Protocol"] == "http"
    defaults.delete(name, updated)
    assert defaults.read(name) is None
    defaults.delete(name, updated)  # already gone: done


def test_the_datacenter_of_the_consul_block_is_on_every_request(agents: Agents) -> None:
    settings = ConsulHttpSettings(address=agents.consul_addr, datacenter="elsewhere")
    defaults = ConsulServiceDefaults(settings, retry=RetryPolicy(tries=1))
    with pytest.raises(ProviderError, match="No path to datacenter"):
        defaults.read("db")


def test_mesh_policy_of_the_dev_agent_allows(intentions: ConsulIntentions) -> None:
    policy = intentions.mesh_policy()
    assert (policy.acl_enabled, policy.acl_default_policy) == (False, "allow")
    assert not policy.denies_by_default


def test_catalog_services_lists_registered_services(
        agents: Agents, intentions: ConsulIntentions, unique: str) -> None:
    name = f"cat-{unique}"
    agents.consul("PUT", "/v1/agent/service/register", json={"Name": name, "Port": 1234})
    try:
        services = intentions.catalog_services()
    finally:
        agents.consul("PUT", f"/v1/agent/service/deregister/{name}")
    assert {"consul", name} <= services
