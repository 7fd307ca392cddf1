"""Under default deny, a caller needs an allow to every service its upstream's discovery
chain sends it to."""

from __future__ import annotations

from ncplan.config.collector import Sink
from ncplan.config.entry_files import read_entry_file
from ncplan.planner.chain_coverage import uncovered_chain_targets
from ncplan.resources.entry_order import chain_reach

ROUTER = ('Kind = "service-router"\nName = "api"\nRoutes = [\n  {\n'
          '    Match { HTTP { PathPrefix = "/admin" } }\n'
          '    Destination { Service = "api-admin" }\n  },\n]\n')


def chains() -> dict[str, tuple[str, ...]]:
    entry = read_entry_file("api-router.consul.hcl", ROUTER, Sink())
    assert entry is not None
    return {"api": chain_reach([entry], "api")}


def test_a_route_to_another_service_needs_its_own_allow_under_default_deny() -> None:
    allowed = {("web", "api"): True}
    [warning] = uncovered_chain_targets({"web": ("api",)}, chains(), allowed, True)
    assert warning.summary.startswith("web -> api -> api-admin: api's discovery chain")
    assert warning.address == "nomad_job.web"
    assert 'intention "web" "api-admin"' in warning.detail


def test_an_allow_a_wildcard_or_default_allow_covers_it() -> None:
    assert uncovered_chain_targets({"web": ("api",)}, chains(),
                                   {("web", "api-admin"): True}, True) == []
    assert uncovered_chain_targets({"web": ("api",)}, chains(),
                                   {("*", "api-admin"): True}, True) == []
    assert uncovered_chain_targets({"web": ("api",)}, chains(), {}, False) == []


def test_an_explicit_deny_warns_even_under_default_allow() -> None:
    assert len(uncovered_chain_targets({"web": ("api",)}, chains(),
                                       {("web", "api-admin"): False}, False)) == 1
