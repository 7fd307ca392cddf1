"""``*.consul.hcl`` / ``*.consul.json`` entry files: read as ``consul config write`` reads
them (the docs' entries in tests/data/consul-entries, unchanged), with places."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import (
    ConsulEntry,
    IngressGateway,
    ProtocolEntry,
    ServiceResolver,
    ServiceRouter,
    ServiceSplitter,
)
from ncplan.config.entry_syntax import hcl1_blocks_as_attributes
from ncplan.config.loader import load_config
from ncplan.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "data" / "consul-entries"


def read(name: str, text: str) -> tuple[ConsulEntry | None, Sink]:
    sink = Sink()
    sink.add_source(name, text)
    return read_entry_file(name, text, sink), sink


def docs_entry(name: str) -> ConsulEntry:
    entry, sink = read(name, (DOCS / name).read_text())
    assert entry is not None and not sink.diagnostics, sink.diagnostics
    return entry


def test_the_docs_router_nests_blocks_in_a_list_item_read_as_objects() -> None:
    entry = docs_entry("web-router.consul.hcl")
    assert (entry.kind, entry.name) == ("service-router", "web")
    assert entry.body["Routes"] == [{"Match": {"HTTP": {"PathPrefix": "/admin"}},
                                     "Destination": {"Service": "admin"}}]
    assert isinstance(entry.typed, ServiceRouter)
    [destination] = entry.typed.destinations
    assert (destination.service, destination.subset) == ("admin", "")
    assert destination.span is not None
    assert (destination.span.line, destination.span.column) == (11, 17)  # its "{"


def test_the_docs_canary_splitter_and_resolver() -> None:
    splitter = docs_entry("web-splitter.consul.hcl").typed
    assert isinstance(splitter, ServiceSplitter)
    assert [(s.weight, s.service, s.subset) for s in splitter.splits] == [
        (90.0, "web", "v1"), (10.0, "web", "v2")]
    assert [s.span.line for s in splitter.splits if s.span] == [4, 8]
    resolver = docs_entry("web-resolver.consul.hcl").typed
    assert isinstance(resolver, ServiceResolver)
    assert (resolver.subsets, resolver.default_subset) == (("v1", "v2"), "v1")


def test_proxy_defaults_config_block_and_service_defaults_protocol() -> None:
    proxy = docs_entry("global.consul.hcl")
    assert proxy.body == {"Kind": "proxy-defaults", "Name": "global",
                          "Config": {"protocol": "http"}}
    assert proxy.typed == ProtocolEntry("http", proxy.typed.span)  # type: ignore[union-attr]
    defaults = docs_entry("web-defaults.consul.hcl").typed
    assert isinstance(defaults, ProtocolEntry) and defaults.protocol == "http"


def test_a_json_entry_has_places_too() -> None:
    entry = docs_entry("ingress.consul.json")
    assert isinstance(entry.typed, IngressGateway)
    [service] = entry.typed.services
    assert (service.service, service.protocol) == ("web", "http")
    assert service.span is not None and service.span.line == 9


def test_snake_case_keys_and_a_single_block_for_a_list_read_as_consul_decodes() -> None:
    entry, sink = read("s.consul.hcl", 'kind = "service-splitter"\nname = "api"\n'
                       'splits {\n  weight = "100"\n  service_subset = "v1"\n}\n')
    assert entry is not None and not sink.diagnostics
    assert isinstance(entry.typed, ServiceSplitter)
    assert [(s.weight, s.subset) for s in entry.typed.splits] == [(100.0, "v1")]


def test_a_service_intentions_file_is_refused_with_a_hint() -> None:
    entry, sink = read("i.consul.hcl", 'Kind = "service-intentions"\nName = "db"\n'
                       'Sources = [{ Name = "web", Action = "allow" }]\n')
    assert entry is None
    [error] = sink.diagnostics
    assert "would fight the intention blocks" in error.summary
    assert 'intention "web" "db"' in error.detail
    assert error.span is not None and error.span.line == 1


def test_a_block_repeated_in_one_object_is_refused_where_it_stands() -> None:
    text = ('Kind = "service-router"\nName = "web"\nRoutes = [\n  {\n'
            '    Match { HTTP { PathPrefix = "/a" } }\n'
            '    Match { HTTP { PathPrefix = "/b" } }\n  },\n]\n')
    entry, sink = read("r.consul.hcl", text)
    assert entry is None
    [error] = sink.diagnostics
    assert error.summary == '"Match" is given twice as a block in one object'
    assert error.span is not None and (error.span.line, error.span.column) == (6, 5)
    assert "Match = [ { ... }, { ... } ]" in error.detail


def test_a_labelled_block_is_refused_showing_the_attribute_form() -> None:
    entry, sink = read("r.consul.hcl", 'Kind = "service-router"\nName = "web"\n'
                       'Routes "x" {\n  Destination { Service = "admin" }\n}\n')
    assert entry is None
    [error] = sink.diagnostics
    assert error.span is not None and error.span.line == 3
    assert "Match = { HTTP = { PathPrefix" in error.detail


def test_an_entry_without_kind_and_a_syntax_error_are_located() -> None:
    entry, sink = read("x.consul.hcl", 'Name = "web"\n')
    assert entry is None and sink.diagnostics[0].summary == "the entry has no Kind"
    entry, sink = read("x.consul.hcl", 'Kind = "service-router"\nName = = "web"\nRoutes = []\n')
    assert entry is None and sink.diagnostics[0].summary.startswith("syntax error")
    assert sink.diagnostics[0].span is not None and sink.diagnostics[0].span.line == 2
    entry, sink = read("x.consul.json", '{"Kind": "mesh",\n "Name": }')
    assert entry is None and sink.diagnostics[0].span is not None
    assert sink.diagnostics[0].span.line == 2


def test_the_rewrite_keeps_lines_strings_comments_and_maps_offsets_back() -> None:
    text = 'A = "x {" # y {\nB {\n  C = 1\n}\n/* D { */\n'
    rewritten = hcl1_blocks_as_attributes(text)
    assert rewritten.text == 'A = "x {" # y {\nB = {\n  C = 1\n}\n/* D { */\n'
    assert rewritten.text.count("\n") == text.count("\n")
    brace = rewritten.text.index("{\n  C")
    assert text[rewritten.original_offset(brace)] == "{"


def test_the_loader_reads_entry_files_next_to_services(tmp_path: Path) -> None:
    for path in DOCS.glob("*.consul.*"):
        shutil.copy(path, tmp_path)
    config = load_config(tmp_path).config
    assert sorted(e.kind for e in config.consul_entries) == [
        "ingress-gateway", "proxy-defaults", "service-defaults", "service-resolver",
        "service-router", "service-splitter"]
    assert "web-router.consul.hcl" in config.files


def test_the_same_entry_in_two_files_is_an_error(tmp_path: Path) -> None:
    shutil.copy(DOCS / "web-defaults.consul.hcl", tmp_path / "a.consul.hcl")
    shutil.copy(DOCS / "web-defaults.consul.hcl", tmp_path / "b.consul.hcl")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    [error] = caught.value.diagnostics
    assert error.summary == 'duplicate config entry service-defaults "web"'
    assert error.span is not None and error.span.file == "b.consul.hcl"
