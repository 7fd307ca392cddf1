"""``--target ADDR``: limit a plan to some addresses and what they depend on. Pure.

Terraform's rule: a target brings in everything it depends on, transitively, so the
partial apply can succeed. A ``--destroy`` plan goes the other way: destroying a target
destroys what depends on it first. Either way the plan carries Terraform's warning that
it is partial.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ncplan.address import parse_address
from ncplan.errors import NcplanError
from ncplan.planner.model import PlanWarning

TARGETING_WARNING = PlanWarning(
    summary="Resource targeting is in effect",
    detail=("You are creating a plan with the --target option, which means that the result "
            "of this plan may not represent all of the changes requested by the current "
            "configuration.\n\nThe --target option is not for routine use, and is provided "
            "only for exceptional situations such as recovering from errors or mistakes."),
)


def _closure(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> frozenset[str]:
    seen: set[str] = set()
    pending = list(start)
    while pending:
        address = pending.pop()
        if address not in seen:
            seen.add(address)
            pending.extend(edges.get(address, ()))
    return frozenset(seen)


def _reverse(needs: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    needed_by: dict[str, list[str]] = {}
    for address, required in needs.items():
        for other in required:
            needed_by.setdefault(other, []).append(address)
    return needed_by


def target_addresses(targets: Iterable[str], needs: Mapping[str, Iterable[str]], *,
                     destroy: bool = False) -> frozenset[str]:
    """The targets and what they need (``destroy``: what needs them), transitively.

    ``needs`` maps every known address (configuration and state) to the addresses it
    needs first; a target not among them is an error naming it.
    """
    wanted = [str(parse_address(t)) for t in dict.fromkeys(targets)]  # ConfigError if bad
    unknown = [t for t in wanted if t not in needs]
    if unknown:
        raise NcplanError(
            f"--target {unknown[0]}: no such resource in the configuration or the state",
            hint="Addresses look like nomad_job.web, consul_intention.web:db or "
                 "consul_service_defaults.api; `ncplan graph` lists them.")
    return _closure(wanted, _reverse(needs) if destroy else needs)
