"""Intention coverage: upstreams a default-deny mesh refuses, intentions toward nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner_helpers import config, desired, live_intentions

from ncplan.address import intention_address, intention_name
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.coverage import coverage_warnings
from ncplan.providers.live import MeshPolicy, Refreshed
from ncplan.resources.dependencies import upstreams_of
from ncplan.resources.desired import DesiredResource

MESH = desired("envoy-mesh")
UPSTREAMS = upstreams_of(config("envoy-mesh"))
DENY = Refreshed(mesh=MeshPolicy(acl_enabled=True, acl_default_policy="deny"))
REFUSED = "{}: upstream declared but no intention allows it; connections will be refused"


def intention(source: str, destination: str, **body: Any) -> DesiredResource:
    return DesiredResource(intention_address(source, destination), "consul_intention",
                           intention_name(source, destination), {"Name": source, **body})


def without(address: str) -> tuple[DesiredResource, ...]:
    return tuple(r for r in MESH if r.address != address)


def summaries(resources: tuple[DesiredResource, ...], refreshed: Refreshed | None,
              upstreams: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    found = coverage_warnings(UPSTREAMS if upstreams is None else upstreams, resources,
                              refreshed)
    return [w.summary for w in found]


def test_example_is_fully_covered_in_a_default_deny_mesh() -> None:
    assert UPSTREAMS == {"db": (), "api": ("db",), "frontend": ("api",)}
    assert summaries(MESH, DENY) == []


def test_default_deny_mesh_refuses_an_upstream_without_intention() -> None:
    found = coverage_warnings(UPSTREAMS, without("consul_intention.api:db"), DENY)
    assert [w.summary for w in found] == [REFUSED.format("api -> db")]
    assert found[0].address == "nomad_job.api"


def test_default_allow_mesh_needs_no_intention() -> None:
    assert summaries(without("consul_intention.api:db"), Refreshed()) == []
    assert summaries(without("consul_intention.api:db"), None) == []


def test_declared_wildcard_deny_makes_the_mesh_deny_by_default() -> None:
    star = intention("*", "*", Action="deny")
    found = summaries((*without("consul_intention.api:db"), star), None)
    assert found == [REFUSED.format("api -> db")]


def test_wildcard_source_allow_covers() -> None:
    resources = (*without("consul_intention.api:db"), intention("*", "db", Action="allow"))
    assert summaries(resources, DENY) == []


def test_l7_intention_with_an_allow_permission_covers_and_all_deny_does_not() -> None:
    frontend = next(r for r in MESH if r.address == "consul_intention.frontend:api")
    assert any(p["Action"] == "allow" for p in frontend.body["Permissions"])
    assert summaries(MESH, DENY) == []
    denied = intention("frontend", "api", Permissions=[{"Action": "deny",
                                                        "HTTP": {"PathPrefix": "/"}}])
    resources = (*without("consul_intention.frontend:api"), denied)
    assert summaries(resources, DENY) == [REFUSED.format("frontend -> api")]


def test_live_intentions_count_with_a_refresh_only() -> None:
    live = live_intentions("intentions_db_live")  # api -> db allow, * -> db deny
    upstreams = {"worker": ("db",), "api": ("db",)}
    refreshed = Refreshed(intentions={"db": live})
    assert summaries((), refreshed, upstreams) == [REFUSED.format("worker -> db")]
    assert summaries((), None, upstreams) == []


def test_intention_toward_a_destination_that_exists_nowhere() -> None:
    ghost = intention("api", "ghost", Action="allow")
    found = coverage_warnings(UPSTREAMS, (*MESH, ghost), Refreshed())
    assert [w.address for w in found] == ["consul_intention.api:ghost"]
    assert "'ghost' exists nowhere" in found[0].summary
    registered = Refreshed(catalog_services=frozenset({"ghost"}))
    assert coverage_warnings(UPSTREAMS, (*MESH, ghost), registered) == ()
    wildcard = intention("api", "*", Action="allow")
    assert coverage_warnings(UPSTREAMS, (*MESH, wildcard), Refreshed()) == ()


def test_request_for_a_config_carries_its_upstreams_and_warns() -> None:
    request = request_for(config("envoy-mesh"), None, DENY)
    assert request.upstreams == UPSTREAMS
    assert build_plan(request).warnings == ()
    request = replace(request, desired=without("consul_intention.api:db"))
    assert [w.summary for w in build_plan(request).warnings] == [REFUSED.format("api -> db")]
