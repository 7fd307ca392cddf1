"""A resolver update that drops a subset waits for the splitter or router change that
stops naming it (issue 21 point 2), from the contents before and after only."""

from __future__ import annotations

from typing import Any

from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.steps import plan_steps, step_batches
from ncplan.resources.subset_release import (
    EntrySides,
    Release,
    named_subsets,
    subset_releases,
)

RESOLVER = "consul_config_entry.service-resolver.web"
SPLITTER = "consul_config_entry.service-splitter.web"
ROUTER = "consul_config_entry.service-router.admin"


def resolver(*subsets: str) -> dict[str, Any]:
    return {"Kind": "service-resolver", "Name": "web",
            "Subsets": {s: {"Filter": f"Service.Meta.version == {s}"} for s in subsets}}


def splitter(*splits: tuple[float, str]) -> dict[str, Any]:
    return {"Kind": "service-splitter", "Name": "web",
            "Splits": [{"Weight": w, "ServiceSubset": s} for w, s in splits]}


CANARY = splitter((90, "v1"), (10, "v2"))
SETTLED = splitter((100, "v1"))


def test_splitter_that_stops_naming_the_dropped_subset_goes_first() -> None:
    found = subset_releases([EntrySides(RESOLVER, resolver("v1", "v2"), resolver("v1")),
                             EntrySides(SPLITTER, CANARY, SETTLED)])
    assert found == (Release(RESOLVER, SPLITTER),)


def test_a_deleted_splitter_releases_its_subsets() -> None:
    found = subset_releases([EntrySides(SPLITTER, CANARY, None),
                             EntrySides(RESOLVER, resolver("v1", "v2"), resolver("v1"))])
    assert found == (Release(RESOLVER, SPLITTER),)


def test_no_edge_when_nothing_is_dropped_or_the_subset_is_still_named() -> None:
    assert subset_releases([EntrySides(RESOLVER, resolver("v1"), resolver("v1", "v2")),
                            EntrySides(SPLITTER, SETTLED, CANARY)]) == ()
    assert subset_releases([EntrySides(RESOLVER, resolver("v1", "v2"), resolver("v1")),
                            EntrySides(SPLITTER, CANARY, splitter((50, "v1"), (50, "v2")))
                            ]) == ()


def test_a_router_naming_another_service_subset_snake_case_too() -> None:
    before = {"kind": "service-router", "name": "admin",
              "routes": [{"destination": {"service": "web", "service_subset": "v2"}}]}
    after = {"kind": "service-router", "name": "admin",
             "routes": [{"destination": {"service": "web"}}]}
    assert named_subsets("service-router", "admin", before) == {("web", "v2")}
    found = subset_releases([EntrySides(ROUTER, before, after),
                             EntrySides(RESOLVER, resolver("v1", "v2"), resolver("v1"))])
    assert found == (Release(RESOLVER, ROUTER),)


def change(address: str, action: Action, before: Any, after: Any,
           depends_on: tuple[str, ...] = ()) -> ResourceChange:
    kind, _, name = address.partition(".")
    return ResourceChange(address, kind, name, action, before=before, after=after,
                          depends_on=depends_on)


def test_the_printed_order_and_the_engine_put_the_splitter_first() -> None:
    changes = [change(RESOLVER, Action.UPDATE, resolver("v1", "v2"), resolver("v1")),
               change(SPLITTER, Action.UPDATE, CANARY, SETTLED, depends_on=(RESOLVER,))]
    steps = plan_steps(changes, {SPLITTER: (RESOLVER,)})
    assert steps[f"write {RESOLVER}"].needs == (f"write {SPLITTER}",)
    assert step_batches(steps) == ((SPLITTER,), (RESOLVER,))


def test_a_splitter_delete_then_the_resolver_update() -> None:
    changes = [change(RESOLVER, Action.UPDATE, resolver("v1", "v2"), resolver("v1")),
               change(SPLITTER, Action.DELETE, CANARY, None, depends_on=(RESOLVER,))]
    assert step_batches(plan_steps(changes, {SPLITTER: (RESOLVER,)})) == \
        ((SPLITTER,), (RESOLVER,))


def test_no_release_when_the_splitter_also_needs_a_subset_the_resolver_adds() -> None:
    assert subset_releases([
        EntrySides(RESOLVER, resolver("v1", "v2"), resolver("v1", "v3")),
        EntrySides(SPLITTER, CANARY, splitter((90, "v1"), (10, "v3")))]) == ()
