"""Config entries ordered from their contents: protocol first, resolver subsets before the
splitter or router naming them, chain entries before the jobs that dial the service,
destroy in reverse. Whatever the files are called."""

from __future__ import annotations

from pathlib import Path

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import ConsulEntry
from ncplan.resources.entry_order import chain_reach, entry_address, entry_dependencies
from ncplan.resources.graph import ResourceGraph

DOCS = Path(__file__).resolve().parents[2] / "data" / "consul-entries"
DEFAULTS = entry_address("service-defaults", "web")
RESOLVER = entry_address("service-resolver", "web")
SPLITTER = entry_address("service-splitter", "web")
ROUTER = entry_address("service-router", "web")
GLOBAL = entry_address("proxy-defaults", "global")


def docs(*names: str) -> list[ConsulEntry]:
    found = []
    for name in names:
        # named so that file order is the wrong order: the contents decide
        entry = read_entry_file(f"z-{name}", (DOCS / name).read_text(), Sink())
        assert entry is not None
        found.append(entry)
    return found


CANARY = ("web-splitter.consul.hcl", "web-resolver.consul.hcl", "web-defaults.consul.hcl")


def test_protocol_then_subsets_then_the_splitter() -> None:
    needs = entry_dependencies(docs(*CANARY))
    assert needs[SPLITTER] == (DEFAULTS, RESOLVER)
    assert needs[RESOLVER] == (DEFAULTS,)
    assert needs[DEFAULTS] == ()
    order = ResourceGraph(needs).apply_order()
    assert order == [[DEFAULTS], [RESOLVER], [SPLITTER]]
    assert ResourceGraph(needs).destroy_order() == [[SPLITTER], [RESOLVER], [DEFAULTS]]


def test_a_router_needs_the_protocol_of_the_service_it_routes_to_and_proxy_defaults() -> None:
    entries = docs("web-router.consul.hcl", "global.consul.hcl", *CANARY)
    admin = read_entry_file("admin.consul.hcl", 'Kind = "service-defaults"\nName = "admin"\n'
                            'Protocol = "http"\n', Sink())
    assert admin is not None
    needs = entry_dependencies([*entries, admin])
    assert needs[ROUTER] == (GLOBAL, entry_address("service-defaults", "admin"), DEFAULTS)


def test_an_ncplan_service_protocol_counts_as_the_service_defaults() -> None:
    needs = entry_dependencies(docs("web-splitter.consul.hcl"), ncplan_defaults=["web"])
    assert needs[SPLITTER] == ("consul_service_defaults.web",)


def test_the_jobs_that_dial_a_service_come_after_its_whole_chain() -> None:
    entries = docs("web-router.consul.hcl", *CANARY)
    needs = entry_dependencies(entries, {"frontend": ("web",), "admin": ()})
    assert needs["nomad_job.frontend"] == (RESOLVER, ROUTER, SPLITTER)
    assert "nomad_job.admin" not in needs
    assert chain_reach(entries, "web") == ("web", "admin")


def test_a_chain_followed_through_another_service() -> None:
    api = read_entry_file("a.consul.json", '{"Kind": "service-splitter", "Name": "api", '
                          '"Splits": [{"Weight": 100, "Service": "web"}]}', Sink())
    assert api is not None
    entries = [api, *docs(*CANARY)]
    needs = entry_dependencies(entries, {"frontend": ("api",)})
    assert needs["nomad_job.frontend"] == (
        RESOLVER, entry_address("service-splitter", "api"), SPLITTER)
