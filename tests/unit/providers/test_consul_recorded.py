"""The Consul providers' parsing and merging, on answers recorded from Consul 1.14.

Each test reads a scenario recorded by tests/record/record_consul.py and turns it into
live objects through the functions the providers themselves use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from consul_recordings import RECORDED, answer, exchanges

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers.consul_config import conflict
from ncplan.providers.consul_intention import (
    entry_to_write,
    mesh_policy_when_forbidden,
    parse_catalog_services,
    parse_intentions,
    parse_mesh_policy,
    same_sources,
    with_source,
    without_source,
)
from ncplan.providers.consul_service_defaults import parse_service_defaults
from ncplan.providers.live import LiveIntentions

INTENTIONS = "/v1/config/service-intentions/db"
DEFAULTS = "/v1/config/service-defaults/db"
OURS = {"Name": "web", "Action": "allow", "Description": "web reads db"}


def two_sources() -> LiveIntentions:
    return parse_intentions("db", answer("intentions_two_sources", "GET", INTENTIONS).body)


def test_an_entry_with_a_foreign_source_parses_with_both_sources() -> None:
    live = two_sources()
    assert {s["Name"] for s in live.sources} == {"web", "api"}
    assert live.source("api")["Action"] == "deny"  # type: ignore[index]
    assert live.modify_index == live.body["ModifyIndex"] > 0
    # what Consul adds to every source written through a config entry
    assert {"Precedence", "Type"} <= set(live.source("web"))  # type: ignore[arg-type]


def test_upsert_body_keeps_the_foreign_source_and_drops_consul_fields() -> None:
    live = two_sources()
    changed = {**OURS, "Action": "deny"}
    body = entry_to_write("db", live, with_source(live, changed))
    assert body["Kind"] == "service-intentions" and body["Name"] == "db"
    assert "ModifyIndex" not in body and "CreateIndex" not in body
    by_name = {s["Name"]: s for s in body["Sources"]}
    assert by_name["web"] == changed
    assert by_name["api"]["Action"] == "deny" and by_name["api"]["Description"] == "by hand"
    assert all("Precedence" not in s for s in body["Sources"])


def test_removing_our_source_keeps_the_other() -> None:
    live = two_sources()
    assert [s["Name"] for s in without_source(live, "web")] == ["api"]
    assert len(without_source(live, "nobody")) == 2


def test_sources_compare_as_a_set_ignoring_precedence() -> None:
    live = two_sources()
    assert same_sources(with_source(live, OURS), live.sources)
    assert same_sources(reversed(live.sources), live.sources)
    assert not same_sources(with_source(live, {**OURS, "Action": "deny"}), live.sources)


def test_identical_rewrite_answers_true_and_writes_nothing() -> None:
    before, put, after = exchanges("intentions_identical_rewrite")
    assert put.path.endswith("cas=1") and put.body is True
    assert before.body["ModifyIndex"] > 1
    assert parse_intentions("db", after.body).modify_index == before.body["ModifyIndex"]


def test_a_stale_cas_is_refused_with_false_and_changes_nothing() -> None:
    put, delete, after = exchanges("intentions_cas_failure")
    assert (put.status, put.body) == (200, False)
    assert (delete.status, delete.body) == (200, False)
    before = answer("intentions_identical_rewrite", "GET", INTENTIONS, 1).body
    assert parse_intentions("db", after.body).modify_index == before["ModifyIndex"]
    assert len(after.body["Sources"]) == 2


def test_a_missing_entry_is_a_404_and_deleting_it_again_answers_true() -> None:
    delete, missing, again = exchanges("intentions_missing")
    assert delete.body is True
    assert missing.status == 404 and "Config entry not found" in missing.body
    assert again.body is True  # so a delete of an entry already gone counts as done


def test_legacy_fields_are_refused_in_a_write_and_dropped_by_ours() -> None:
    _, read, refused, accepted, after = exchanges("intentions_legacy_source")
    live = parse_intentions("cache", read.body)
    assert "LegacyID" in live.source("legacy")  # type: ignore[operator]
    assert refused.status == 500 and "must be omitted" in refused.body  # sic: a 500
    assert accepted.body is True
    body = entry_to_write("cache", live, with_source(live, OURS))
    assert not any(key.startswith("Legacy") for s in body["Sources"] for key in s)
    assert same_sources(body["Sources"], parse_intentions("cache", after.body).sources)


def test_service_defaults_parse_and_cas() -> None:
    create, read, second_create, update, after, stale_delete = exchanges("service_defaults")
    assert create.body is True and second_create.body is False
    first = parse_service_defaults("db", read.body)
    assert first.body["Protocol"] == "tcp"
    assert update.path.endswith(f"cas={first.modify_index}") and update.body is True
    live = parse_service_defaults("db", after.body)
    assert live.body["Protocol"] == "http" and live.modify_index > first.modify_index
    assert stale_delete.body is False


def test_an_entry_of_another_name_or_without_index_is_a_located_error() -> None:
    body = answer("service_defaults", "GET", DEFAULTS).body
    with pytest.raises(ProviderError, match="named 'db', expected 'service-defaults' 'web'"):
        parse_service_defaults("web", body)
    with pytest.raises(ProviderError, match="without a valid ModifyIndex"):
        parse_service_defaults("db", {**body, "ModifyIndex": None})


def test_mesh_policy_of_the_dev_agent_allows() -> None:
    policy = parse_mesh_policy(answer("agent_self", "GET", "/v1/agent/self").body)
    assert (policy.acl_enabled, policy.acl_default_policy) == (False, "allow")
    assert not policy.denies_by_default


def test_mesh_policy_with_acls_default_deny_denies() -> None:
    policy = parse_mesh_policy(answer("agent_self_acl_deny", "GET", "/v1/agent/self").body)
    assert (policy.acl_enabled, policy.acl_default_policy) == (True, "deny")
    assert policy.denies_by_default


def test_mesh_policy_without_agent_read_comes_from_the_header() -> None:
    refused = answer("agent_self_forbidden", "GET", "/v1/agent/self")
    assert refused.status == 403 and "agent:read" in refused.body
    assert mesh_policy_when_forbidden(refused.default_acl_policy).denies_by_default
    with pytest.raises(ProviderError, match="X-Consul-Default-Acl-Policy"):
        mesh_policy_when_forbidden(None)


def test_an_agent_self_without_acl_settings_is_an_error() -> None:
    with pytest.raises(ProviderError, match="ACLsEnabled"):
        parse_mesh_policy({"Config": {}})


def test_catalog_services() -> None:
    services = parse_catalog_services(answer("catalog_services", "GET",
                                             "/v1/catalog/services").body)
    assert {"consul", "db"} <= services
    # a token without service:read sees an empty catalog, not an error
    hidden = answer("agent_self_forbidden", "GET", "/v1/catalog/services")
    assert parse_catalog_services(hidden.body) == frozenset()


def test_conflict_message_names_the_address_and_both_indexes() -> None:
    error = conflict("consul_intention.web:db", 41, 45)
    assert isinstance(error, CheckAndSetConflict)
    assert error.message == ("consul_intention.web:db changed since the plan "
                             "(index 41 -> 45); run plan again")
    assert "(absent -> index 45)" in conflict("a", 0, 45).message
    assert "(index 41 -> deleted)" in conflict("a", 41, None).message


def test_every_recorded_file_is_used() -> None:
    sources = "\n".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    used = set(re.findall(r'"([a-z_]+)"', sources))
    recorded = {p.stem for p in RECORDED.glob("*.json")}
    assert recorded, "no recordings: run tests/record/record_consul.py"
    assert recorded <= used, f"recorded but never used: {sorted(recorded - used)}"
