"""The canary and route blocks of a ``service`` lowered to Consul config entries. Pure.

The design is in docs/language.md ("Traffic: canary and route"). A Nomad deployment's
canary instances register with ``canary_meta`` and the others with ``meta``, so one meta
key, ``ncplan_track``, tells them apart while a deployment runs; after promotion every
instance is ``stable``. For ``canary { weight = W }`` on service S:

* ``service-resolver`` S: subsets ``stable`` and ``canary`` filtered on that key
  (``canary`` only passing instances), ``stable`` the default, and failover from
  ``canary`` to ``stable``: with no canary running, its share goes to the stable instances
  instead of failing;
* ``service-splitter`` S: ``100 - W`` to ``stable``, ``W`` to ``canary``.

Each ``route "PREFIX" { service = T }`` becomes one route of ``service-router`` S, in
block order (Consul sends what matches none to S itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ncplan.config.entry_model import (
    CanarySpec,
    ConsulEntry,
    PathRoute,
    ResolverTarget,
    RouteDestination,
    ServiceResolver,
    ServiceRouter,
    ServiceSplitter,
    Split,
)
from ncplan.config.model import Config

TRACK_KEY = "ncplan_track"
STABLE, CANARY = "stable", "canary"


def track_filter(track: str) -> str:
    return f"Service.Meta.{TRACK_KEY} == {track}"


def track_meta(canary: bool) -> dict[str, str]:
    """The service ``meta`` (``canary=False``) and ``canary_meta`` of the job."""
    return {TRACK_KEY: CANARY if canary else STABLE}


def _resolver(service: str, spec: CanarySpec) -> ConsulEntry:
    body: dict[str, Any] = {
        "Kind": "service-resolver", "Name": service, "DefaultSubset": STABLE,
        "Subsets": {STABLE: {"Filter": track_filter(STABLE)},
                    CANARY: {"Filter": track_filter(CANARY), "OnlyPassing": True}},
        "Failover": {CANARY: {"ServiceSubset": STABLE}},
    }
    typed = ServiceResolver((STABLE, CANARY), STABLE, spec.span,
                            (ResolverTarget(service, STABLE, spec.span),))
    return ConsulEntry("service-resolver", service, body, span=spec.span, typed=typed)


def _splitter(service: str, spec: CanarySpec) -> ConsulEntry:
    weights = ((STABLE, _weight(100 - spec.weight)), (CANARY, _weight(spec.weight)))
    body = {"Kind": "service-splitter", "Name": service,
            "Splits": [{"Weight": weight, "ServiceSubset": track}
                       for track, weight in weights]}
    typed = ServiceSplitter(tuple(Split(float(weight), service, track, spec.span)
                                  for track, weight in weights))
    return ConsulEntry("service-splitter", service, body, span=spec.span, typed=typed)


def _weight(value: float) -> int | float:
    """A whole number as an int (``90``, as people write it), else two decimals."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def _router(service: str, routes: Sequence[PathRoute]) -> ConsulEntry:
    body = {"Kind": "service-router", "Name": service, "Routes": [
        {"Match": {"HTTP": {"PathPrefix": r.path_prefix}},
         "Destination": {"Service": r.service}} for r in routes]}
    typed = ServiceRouter(tuple(RouteDestination(r.service, "", r.span) for r in routes))
    return ConsulEntry("service-router", service, body, span=routes[0].span, typed=typed)


def lower_traffic(service: str, canary: CanarySpec | None,
                  routes: Sequence[PathRoute] = ()) -> tuple[ConsulEntry, ...]:
    """The entries a service's ``canary`` and ``route`` blocks make, router first."""
    entries: list[ConsulEntry] = []
    if routes:
        entries.append(_router(service, routes))
    if canary is not None:
        entries += [_splitter(service, canary), _resolver(service, canary)]
    return tuple(entries)


def config_entries(config: Config) -> tuple[ConsulEntry, ...]:
    """Every config entry the configuration makes: its entry files', then each service's
    ``canary`` and ``route`` blocks' (a service with neither makes none)."""
    made = tuple(entry for service in config.services
                 for entry in lower_traffic(service.name, service.canary, service.routes))
    return (*config.consul_entries, *made)
