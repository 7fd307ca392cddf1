"""Intention coverage through discovery chains. Pure.

A caller S of service U reaches, through U's discovery chain, every service the chain
routes, splits, redirects or fails over to (``resources.entry_order.chain_reach``), and
each of those services' sidecars decides S's connection by its own intentions. So under
default deny, ``web -> api`` with api's router sending ``/admin`` to ``api-admin`` needs an
allow ``web -> api-admin`` too, or those requests are refused: a warning names the chain.

The plan adds :func:`chain_warnings` to :func:`ncplan.planner.coverage.coverage_warnings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ncplan.address import job_address
from ncplan.config.entry_model import CHAIN_KINDS
from ncplan.config.model import Config
from ncplan.planner.coverage import Pair, decision, denies_by_default, known_intentions
from ncplan.planner.model import PlanWarning
from ncplan.providers.live import Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.entry_order import chain_reach
from ncplan.resources.traffic import config_entries


def chains_of(config: Config) -> dict[str, tuple[str, ...]]:
    """Service -> the services its discovery chain visits (itself first), for each
    service a router, splitter or resolver file shapes."""
    entries = config_entries(config)
    return {name: chain_reach(entries, name)
            for name in sorted({e.name for e in entries if e.kind in CHAIN_KINDS})}


def chain_warnings(upstreams: Mapping[str, Sequence[str]],
                   chains: Mapping[str, Sequence[str]],
                   desired: Sequence[DesiredResource],
                   refreshed: Refreshed | None) -> list[PlanWarning]:
    """:func:`uncovered_chain_targets` with the plan's intentions and mesh default."""
    if not chains:
        return []
    intentions = known_intentions(desired, refreshed)
    return uncovered_chain_targets(upstreams, chains, intentions,
                                   denies_by_default(intentions, refreshed))


def uncovered_chain_targets(upstreams: Mapping[str, Sequence[str]],
                            chains: Mapping[str, Sequence[str]],
                            intentions: Mapping[Pair, bool],
                            deny_default: bool) -> list[PlanWarning]:
    """``upstreams``: job -> the services it dials; ``chains``: service -> the services
    its chain visits, itself first. A warning per (caller, chain target) refused."""
    warnings = []
    for source in sorted(upstreams):
        for upstream in dict.fromkeys(upstreams[source]):
            for target in chains.get(upstream, (upstream,))[1:]:
                if target == source or decision(source, target, intentions, deny_default):
                    continue
                warnings.append(PlanWarning(
                    f"{source} -> {upstream} -> {target}: {upstream}'s discovery chain "
                    f"sends requests to {target}, and no intention allows {source} -> "
                    f"{target}; those requests will be refused",
                    address=job_address(source),
                    detail=f'Declare intention "{source}" "{target}" with action = "allow", '
                           f"or change {upstream}'s router, splitter or resolver."))
    return warnings
