"""Which config entry must be written before which, read from the entries' contents. Pure.

The order Consul 1.14 enforces at write time (see config/entry_checks.py for the refusals
themselves), whatever the files are called. "A needs B" (B is written first, deleted
last) when:

* a router, splitter or resolver on chain S, or an ingress gateway exposing S, needs the
  protocol of every service its chain visits (S and each route/split/redirect/failover
  target T): ``service-defaults`` T, whether an entry file or ncplan's
  ``consul_service_defaults.T``, and the global ``proxy-defaults``;
* an entry naming a subset of T needs ``service-resolver`` T (it defines the subsets);
* the job of a service that dials S (an upstream) needs every entry on S's chain and on
  the chains S's chain leads to (so traffic is shaped before the caller starts);
* destroy is the reverse of the same edges (``ResourceGraph.destroy_order``).

Addresses are ``consul_config_entry.KIND.NAME`` (LANGUAGE.md, "Resources and addresses").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ncplan.address import job_address, service_defaults_address
from ncplan.config.entry_model import (
    CHAIN_KINDS,
    ConsulEntry,
    IngressGateway,
    ServiceResolver,
    ServiceRouter,
    ServiceSplitter,
)

ENTRY_PREFIX = "consul_config_entry"
PROXY_DEFAULTS = ("proxy-defaults", "global")


def entry_address(kind: str, name: str) -> str:
    return f"{ENTRY_PREFIX}.{kind}.{name}"


def targets(entry: ConsulEntry) -> tuple[tuple[str, str], ...]:
    """The ``(service, subset)`` pairs the entry sends traffic to (``""``: no subset)."""
    typed = entry.typed
    if isinstance(typed, ServiceSplitter):
        return tuple((s.service, s.subset) for s in typed.splits)
    if isinstance(typed, ServiceRouter):
        return tuple((d.service, d.subset) for d in typed.destinations)
    if isinstance(typed, ServiceResolver):
        return tuple((t.service, t.subset) for t in typed.targets)
    if isinstance(typed, IngressGateway):
        return tuple((s.service, "") for s in typed.services if s.service != "*")
    return ()


def _protocol_sources(service: str, keys: set[tuple[str, str]],
                      ncplan_defaults: frozenset[str]) -> list[str]:
    found = []
    if ("service-defaults", service) in keys:
        found.append(entry_address("service-defaults", service))
    if service in ncplan_defaults:
        found.append(service_defaults_address(service))
    return found


def chain_reach(entries: Sequence[ConsulEntry], service: str) -> tuple[str, ...]:
    """Every service S's chain visits, S first: routes and splits and redirects, followed
    through the chains of the services they name."""
    by_service: dict[str, list[ConsulEntry]] = {}
    for entry in entries:
        if entry.kind in CHAIN_KINDS:
            by_service.setdefault(entry.name, []).append(entry)
    seen = [service]
    index = 0
    while index < len(seen):
        for entry in by_service.get(seen[index], ()):
            for target, _ in targets(entry):
                if target not in seen:
                    seen.append(target)
        index += 1
    return tuple(seen)


def entry_dependencies(entries: Sequence[ConsulEntry],
                       upstreams: Mapping[str, Iterable[str]] | None = None,
                       ncplan_defaults: Iterable[str] = ()
                       ) -> Mapping[str, tuple[str, ...]]:
    """Address -> the addresses it needs first, for every entry, and for each job (of
    ``upstreams``: job name -> the services it dials) the chain entries it needs.
    ``ncplan_defaults``: services whose service-defaults ncplan writes from a ``service``
    block's protocol."""
    keys = {e.key for e in entries}
    defaults = frozenset(ncplan_defaults)
    has_proxy_defaults = PROXY_DEFAULTS in keys
    needs: dict[str, set[str]] = {entry_address(*e.key): set() for e in entries}
    for entry in entries:
        address = entry_address(*entry.key)
        if entry.kind not in CHAIN_KINDS and entry.kind != "ingress-gateway":
            continue
        visited = [] if entry.kind == "ingress-gateway" else [entry.name]
        visited += [service for service, _ in targets(entry)]
        for service in visited:
            needs[address].update(_protocol_sources(service, keys, defaults))
        if has_proxy_defaults:
            needs[address].add(entry_address(*PROXY_DEFAULTS))
        for service, subset in targets(entry):
            resolver = ("service-resolver", service)
            if subset and resolver in keys and resolver != entry.key:
                needs[address].add(entry_address(*resolver))
    for job, dialled in (upstreams or {}).items():
        wanted: set[str] = set()
        for service in dialled:
            reach = set(chain_reach(entries, service))
            wanted.update(entry_address(*e.key) for e in entries
                          if e.kind in CHAIN_KINDS and e.name in reach)
        if wanted:
            needs.setdefault(job_address(job), set()).update(wanted)
    return {address: tuple(sorted(n for n in required if n != address))
            for address, required in sorted(needs.items())}
