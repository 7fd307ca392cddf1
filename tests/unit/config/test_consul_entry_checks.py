"""Validate says what Consul refuses at write time (the messages are the agent's; the
integration test tests/integration/test_consul_entry_refusals.py pins them to it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from consul_entry_cases import Case, cases, entry_of, http, ncplan_errors, router, splitter

from ncplan.config.collector import Sink
from ncplan.config.entry_checks import check_entries, protocols, scaled_weight
from ncplan.config.loader import load_config
from ncplan.config.model import Service, Task, Upstream
from ncplan.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "data" / "consul-entries"


@pytest.mark.parametrize("case", cases(""), ids=lambda c: c.id)
def test_validate_finds_what_consul_refuses_and_nothing_it_accepts(case: Case) -> None:
    found = ncplan_errors(case)
    if case.refusal:
        assert case.refusal in found
    else:
        assert found == []


def test_the_protocol_of_an_ncplan_service_counts() -> None:
    api = Service("api", Task("docker"), protocol="http")
    case = Case("", splitter("api", {"Weight": 100}), "")
    assert ncplan_errors(case, (api,)) == []
    assert ncplan_errors(case) != []


def test_a_service_defaults_file_for_a_service_that_sets_its_protocol_is_an_error() -> None:
    api = Service("api", Task("docker"), protocol="http")
    sink = Sink()
    check_entries([entry_of(http("api"), 0)], (api,), sink)
    [error] = sink.diagnostics
    assert error.summary == 'service-defaults "api" is also written from service "api" ' \
        '(protocol = "http")'


def test_service_defaults_outrank_proxy_defaults() -> None:
    entries = [entry_of({"Kind": "proxy-defaults", "Name": "global",
                         "Config": {"protocol": "http"}}, 0),
               entry_of({"Kind": "service-defaults", "Name": "db", "Protocol": "tcp"}, 1)]
    known = protocols(entries, ())
    assert (known.of("db"), known.of("web")) == ("tcp", "http")


def test_weights_are_float32_hundredths_as_consul_sums_them() -> None:
    assert scaled_weight(90.005) == 9001
    assert scaled_weight(33.33) + scaled_weight(66.67) == 10000


def test_the_error_points_at_the_split_that_names_the_missing_subset() -> None:
    entries = [entry_of(http("api"), 0),
               entry_of(splitter("api", {"Weight": 100, "ServiceSubset": "v9"}), 1)]
    sink = Sink()
    check_entries(entries, (), sink)
    [error] = sink.diagnostics
    assert error.span is not None and error.span.file == "1.consul.json"
    assert error.span.line == 5  # the split object of the indented JSON
    assert 'no service-resolver "api"' in error.detail


def test_a_route_to_an_undeclared_service_says_consul_takes_it_as_tcp() -> None:
    entries = [entry_of(http("web"), 0), entry_of(router("web", {"Service": "ghost"}), 1)]
    sink = Sink()
    check_entries(entries, (), sink)
    [error] = sink.diagnostics
    assert '"ghost" is declared nowhere in this configuration' in error.detail


def test_validate_reports_the_docs_router_on_a_tcp_service_with_file_and_line(
        tmp_path: Path) -> None:
    shutil.copy(DOCS / "web-router.consul.hcl", tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    summaries = {d.summary: d for d in caught.value.diagnostics}
    error = summaries['discovery chain "web" uses a protocol "tcp" that does not permit '
                      'advanced routing or splitting behavior']
    assert error.span is not None
    assert (error.span.file, error.span.line) == ("web-router.consul.hcl", 1)


def test_the_docs_canary_set_validates(tmp_path: Path) -> None:
    for name in ("web-defaults", "web-resolver", "web-splitter"):
        shutil.copy(DOCS / f"{name}.consul.hcl", tmp_path)
    assert load_config(tmp_path).warnings == ()


def _caller(name: str, sidecar: str) -> Service:
    return Service(name, Task("docker"), sidecar=sidecar,  # type: ignore[arg-type]
                   upstreams=(Upstream("api"),))


def test_a_splitter_only_builtin_sidecars_call_is_a_warning() -> None:
    entries = [entry_of(http("api"), 0), entry_of(splitter("api", {"Weight": 100}), 1)]
    sink = Sink()
    check_entries(entries, (_caller("web", "builtin"), _caller("cli", "builtin")), sink)
    [warning] = sink.diagnostics
    assert not warning.is_error
    assert warning.summary == 'service-splitter "api" has no effect: only builtin ' \
        'sidecars call "api" (cli, web)'
    sink = Sink()
    check_entries(entries, (_caller("web", "builtin"), _caller("cli", "envoy")), sink)
    assert sink.diagnostics == []
