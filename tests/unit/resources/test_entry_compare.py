"""An entry as written compares equal to what Consul returns for it (answers recorded
from the Consul 1.14 dev agent), and a real change does not."""

from __future__ import annotations

from ncplan.resources.entry_compare import comparable, same_entry

# PUT then GET on the dev agent (the docs' proxy-defaults and ingress gateway).
PROXY_SENT = {"Kind": "proxy-defaults", "Name": "global", "Config": {"protocol": "http"}}
PROXY_LIVE = {"Kind": "proxy-defaults", "Name": "global", "Config": {"protocol": "http"},
              "TransparentProxy": {}, "MeshGateway": {}, "Expose": {}, "CreateIndex": 135,
              "ModifyIndex": 135}
INGRESS_SENT = {"Kind": "ingress-gateway", "Name": "us-east-ingress", "Listeners": [
    {"Port": 8080, "Protocol": "http",
     "Services": [{"Name": "web", "Hosts": ["web.example.com"]}]}]}
INGRESS_LIVE = {"Kind": "ingress-gateway", "Name": "us-east-ingress",
                "TLS": {"Enabled": False}, **{k: v for k, v in INGRESS_SENT.items()
                                              if k == "Listeners"},
                "CreateIndex": 140, "ModifyIndex": 140}


def test_what_consul_adds_is_no_change() -> None:
    assert same_entry(PROXY_SENT, PROXY_LIVE)
    assert same_entry(INGRESS_SENT, INGRESS_LIVE)


def test_snake_case_as_written_is_the_camel_case_consul_returns() -> None:
    sent = {"kind": "service-splitter", "name": "api",
            "splits": [{"weight": 100, "service_subset": "v1"}]}
    live = {"Kind": "service-splitter", "Name": "api",
            "Splits": [{"Weight": 100, "ServiceSubset": "v1"}], "ModifyIndex": 9}
    assert same_entry(sent, live)


def test_a_weight_change_is_a_change_in_the_splits_only() -> None:
    before = {"Kind": "service-splitter", "Name": "web", "Splits": [
        {"Weight": 90, "ServiceSubset": "v1"}, {"Weight": 10, "ServiceSubset": "v2"}]}
    after = {**before, "Splits": [{"Weight": 50, "ServiceSubset": "v1"},
                                  {"Weight": 50, "ServiceSubset": "v2"}]}
    assert not same_entry(after, before)
    changed = {k for k in comparable(after) if comparable(after)[k] != comparable(before)[k]}
    assert changed == {"splits"}


def test_names_and_free_form_maps_keep_their_case() -> None:
    resolver = {"Kind": "service-resolver", "Name": "api",
                "Subsets": {"V1": {"Filter": "x"}}}
    assert not same_entry(resolver, {**resolver, "Subsets": {"v1": {"Filter": "x"}}})
    proxy = {"Kind": "proxy-defaults", "Name": "global", "Config": {"Protocol": "http"}}
    assert not same_entry(proxy, PROXY_LIVE)
    assert comparable({"Meta": {"Owner_X": "a", "empty": ""}}) == {
        "meta": {"Owner_X": "a", "empty": ""}}
