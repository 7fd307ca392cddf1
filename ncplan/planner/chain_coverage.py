"""Intention coverage through discovery chains. Pure.

A caller S of service U reaches, through U's discovery chain, every service the chain
routes, splits, redirects or fails over to (``resources.entry_order.chain_reach``), and
each of those services' sidecars decides S's connection by its own intentions. So under
default deny, ``web -> api`` with api's router sending ``/admin`` to ``api-admin`` needs an
allow ``web -> api-admin`` too, or those requests are refused: a warning names the chain.

Not wired yet: the plan calls :func:`ncplan.planner.coverage.coverage_warnings` only;
this joins it once config entries are plan resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ncplan.address import job_address
from ncplan.planner.coverage import Pair, decision
from ncplan.planner.model import PlanWarning


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
