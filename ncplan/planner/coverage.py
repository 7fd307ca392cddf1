"""Intention coverage: declared upstreams the mesh will refuse, intentions toward nothing.

Pure. Consul decides a connection S -> D by the most precise intention that matches,
in precedence order ``S -> D``, ``* -> D``, ``S -> *``, ``* -> *``, and by its default
(the ACL default policy) when none matches. The intentions considered are the live ones
(every source, including those ncplan does not manage) overlaid with the declared ones,
which apply will write; without a refresh, only the declared ones. An L7 intention
counts as allowing when any of its permissions allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ncplan.address import job_address
from ncplan.kinds import consul_intention, nomad_job
from ncplan.planner.model import PlanWarning
from ncplan.providers.live import Refreshed
from ncplan.resources.desired import DesiredResource

WILDCARD = "*"
Pair = tuple[str, str]


def allows(source: Mapping[str, Any]) -> bool:
    """An intention source (``Sources[]`` entry) allows: L4 ``allow`` or an L7 permission
    with ``allow``."""
    if source.get("Permissions"):
        return any(p.get("Action") == "allow" for p in source["Permissions"])
    return source.get("Action") == "allow"


def known_intentions(desired: Iterable[DesiredResource],
                     refreshed: Refreshed | None) -> dict[Pair, bool]:
    """``(source, destination) -> allows``: live ones, then the declared ones over them."""
    found: dict[Pair, bool] = {}
    if refreshed is not None:
        for destination, entry in refreshed.intentions.items():
            for source in entry.sources if entry is not None else ():
                found[(str(source.get("Name")), destination)] = allows(source)
    for resource in desired:
        if resource.kind == consul_intention.NAME:
            address = resource.typed_address
            found[(address.source, address.destination)] = allows(resource.body)
    return found


def decision(source: str, destination: str, intentions: Mapping[Pair, bool],
             deny_default: bool) -> bool:
    """Whether Consul lets ``source`` connect to ``destination``."""
    for pair in ((source, destination), (WILDCARD, destination), (source, WILDCARD),
                 (WILDCARD, WILDCARD)):
        if pair in intentions:
            return intentions[pair]
    return not deny_default


def uncovered_upstreams(upstreams: Mapping[str, Sequence[str]],
                        intentions: Mapping[Pair, bool],
                        deny_default: bool) -> list[PlanWarning]:
    warnings = []
    for source in sorted(upstreams):
        for destination in dict.fromkeys(upstreams[source]):
            if not decision(source, destination, intentions, deny_default):
                warnings.append(PlanWarning(
                    f"{source} -> {destination}: upstream declared but no intention allows "
                    "it; connections will be refused",
                    address=job_address(source),
                    detail=(f'Declare intention "{source}" "{destination}" with action = '
                            '"allow", or remove the upstream.')))
    return warnings


def missing_destinations(desired: Iterable[DesiredResource],
                         known: frozenset[str]) -> list[PlanWarning]:
    warnings = []
    for resource in desired:
        if resource.kind != consul_intention.NAME:
            continue
        destination = resource.typed_address.destination
        if destination != WILDCARD and destination not in known:
            warnings.append(PlanWarning(
                f"{resource.name}: destination {destination!r} exists nowhere; "
                "the intention protects nothing",
                address=resource.address,
                detail=(f"No job in the configuration and no service in Consul's catalog "
                        f"is named {destination!r}. Check the name for a typo.")))
    return warnings


def denies_by_default(intentions: Mapping[Pair, bool], refreshed: Refreshed | None) -> bool:
    """Whether a connection no intention matches is refused: the mesh's ACL default, or
    a ``* -> *`` deny."""
    return (refreshed is not None and refreshed.mesh.denies_by_default) or (
        intentions.get((WILDCARD, WILDCARD)) is False)


def coverage_warnings(upstreams: Mapping[str, Sequence[str]],
                      desired: Sequence[DesiredResource],
                      refreshed: Refreshed | None) -> tuple[PlanWarning, ...]:
    """The coverage warnings of a plan.

    ``upstreams``: job name -> the names it dials (services' upstreams and raw jobs'
    derived ones, as :func:`ncplan.resources.dependencies.upstreams_of` gives them).
    """
    intentions = known_intentions(desired, refreshed)
    deny_default = denies_by_default(intentions, refreshed)
    known = frozenset(r.name for r in desired if r.kind == nomad_job.NAME) | frozenset(upstreams)
    if refreshed is not None:
        known |= refreshed.catalog_services
    return tuple(uncovered_upstreams(upstreams, intentions, deny_default)
                 + missing_destinations(desired, known))
