"""What Consul 1.14 refuses at write time, said at validate with ``file:line``.

Each rule and its message is Consul's own, as its dev agent answers a bad ``PUT
/v1/config`` (tests/integration/test_consul_entry_refusals.py writes each bad entry and
compares): a router or splitter on a ``tcp`` chain, a route/split/redirect/failover to a
service whose protocol differs from the chain's (a service declared nowhere is ``tcp``), a
subset no resolver defines, a resolver's DefaultSubset that is not one of its subsets,
split weights that do not sum to 100, a split destination given twice.

A service's protocol, as Consul finds it: its service-defaults (an entry file, or the
``protocol`` of ncplan's ``service`` block, which ncplan writes as one), else the global
proxy-defaults' ``Config.protocol``, else ``tcp``. A resolver with L7 settings
(RequestTimeout, header hash policies) on a ``tcp`` service is accepted by Consul, so it is
not refused here.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ncplan.config.collector import Sink
from ncplan.config.entry_model import (
    L7_KINDS,
    ConsulEntry,
    ProtocolEntry,
    ServiceResolver,
    ServiceRouter,
    ServiceSplitter,
)
from ncplan.config.model import L7_PROTOCOLS, Service
from ncplan.diagnostics import SourceSpan

DEFAULT_PROTOCOL = "tcp"


@dataclass(frozen=True)
class Protocols:
    """Every service's protocol as Consul would compile it from this configuration."""

    by_service: Mapping[str, str]
    global_default: str
    declared: frozenset[str]  # services, jobs' names and entries: known to this config
    routed: frozenset[str] = frozenset()  # the services with a service-router

    def of(self, service: str) -> str:
        return self.by_service.get(service) or self.global_default or DEFAULT_PROTOCOL


def protocols(entries: Sequence[ConsulEntry], services: Iterable[Service]) -> Protocols:
    by_service: dict[str, str] = {}
    global_default = ""
    declared: set[str] = set()
    for service in services:
        declared.add(service.name)
        if service.protocol in L7_PROTOCOLS:  # ncplan writes its service-defaults
            by_service[service.name] = service.protocol
    for entry in entries:
        if entry.kind.startswith("service-"):
            declared.add(entry.name)
        if isinstance(entry.typed, ProtocolEntry) and entry.typed.protocol:
            if entry.kind == "service-defaults":
                by_service[entry.name] = entry.typed.protocol
            elif entry.kind == "proxy-defaults":
                global_default = entry.typed.protocol
    routed = frozenset(e.name for e in entries if e.kind == "service-router")
    return Protocols(by_service, global_default, frozenset(declared), routed)


def subsets(entries: Iterable[ConsulEntry]) -> Mapping[str, frozenset[str]]:
    """The subsets each service's resolver defines."""
    return {e.name: frozenset(e.typed.subsets) for e in entries
            if isinstance(e.typed, ServiceResolver)}


def check_entries(entries: Sequence[ConsulEntry], services: Sequence[Service],
                  sink: Sink) -> None:
    _duplicates(entries, services, sink)
    _builtin_callers(entries, services, sink)
    known = protocols(entries, services)
    defined = subsets(entries)
    for entry in entries:
        typed = entry.typed
        if isinstance(typed, ServiceSplitter):
            _weights(entry, typed, sink)
        if isinstance(typed, ServiceResolver) and typed.default_subset and \
                typed.default_subset not in typed.subsets:
            sink.error(f'DefaultSubset "{typed.default_subset}" is not a valid subset',
                       typed.default_subset_span or entry.span,
                       f"{entry.label} defines: {_listed(typed.subsets)}")
        if entry.kind in ("service-router", "service-splitter"):
            _l7_protocol(entry, known, sink)
        for service, subset, span in _targets(entry):
            _target_protocol(entry, service, span, known, sink)
            if subset and subset not in defined.get(service, frozenset()):
                sink.error(f'service "{service}" does not have a subset named "{subset}"',
                           span, _subset_hint(service, subset, defined))


def _duplicates(entries: Sequence[ConsulEntry], services: Sequence[Service],
                sink: Sink) -> None:
    seen: dict[tuple[str, str], ConsulEntry] = {}
    for entry in entries:
        first = seen.setdefault(entry.key, entry)
        if first is not entry:
            sink.error(f"duplicate config entry {entry.label}", entry.span,
                       f"the first is in {first.file}; one file per entry")
    made: dict[tuple[str, str], Service] = {}
    for declared in services:
        kinds = (("service-splitter", "service-resolver") if declared.canary else ()) + \
            (("service-router",) if declared.routes else ())
        made.update({(kind, declared.name): declared for kind in kinds})
    for entry in entries:
        maker = made.get(entry.key)
        if maker is not None:
            sink.error(f"{entry.label} is also made by service \"{maker.name}\"'s canary or "
                       "route blocks", entry.span,
                       f"keep one: the blocks at {maker.span}, or this file")
    by_name = {s.name: s for s in services if s.protocol in L7_PROTOCOLS}
    for entry in entries:
        service = by_name.get(entry.name)
        if entry.kind == "service-defaults" and service is not None:
            sink.error(f"{entry.label} is also written from service \"{service.name}\" "
                       f"(protocol = \"{service.protocol}\")", entry.span,
                       f"keep one: drop protocol from the service block at {service.span}, "
                       "or this file")


def _builtin_callers(entries: Sequence[ConsulEntry], services: Sequence[Service],
                     sink: Sink) -> None:
    """A warning for a router or splitter on a service that only builtin sidecars call:
    they are L4 proxies, which never read the discovery chain's routes and splits."""
    callers: dict[str, list[Service]] = {}
    for service in services:
        for upstream in service.upstreams:
            callers.setdefault(upstream.name, []).append(service)
    for entry in entries:
        found = callers.get(entry.name, [])
        if entry.kind in L7_KINDS and found and all(s.sidecar == "builtin" for s in found):
            names = ", ".join(sorted(s.name for s in found))
            sink.warning(f'{entry.label} has no effect: only builtin sidecars call '
                         f'"{entry.name}" ({names})', entry.span,
                         "builtin sidecars are L4 proxies and ignore routes and splits; "
                         'give the callers sidecar = "envoy"')
    for service in services:
        found = callers.get(service.name, [])
        span = service.canary.span if service.canary else \
            (service.routes[0].span if service.routes else None)
        if span is not None and found and all(s.sidecar == "builtin" for s in found):
            names = ", ".join(sorted(s.name for s in found))
            sink.warning(f'service "{service.name}"\'s canary and route blocks have no '
                         f'effect: only builtin sidecars call it ({names})', span,
                         "builtin sidecars are L4 proxies and ignore routes and splits; "
                         'give the callers sidecar = "envoy"')


def _targets(entry: ConsulEntry) -> list[tuple[str, str, SourceSpan | None]]:
    """The (service, subset) pairs an entry sends traffic to, with their places."""
    typed = entry.typed
    if isinstance(typed, ServiceSplitter):
        return [(s.service, s.subset, s.span) for s in typed.splits]
    if isinstance(typed, ServiceRouter):
        return [(d.service, d.subset, d.span) for d in typed.destinations]
    if isinstance(typed, ServiceResolver):
        return [(t.service, t.subset, t.span) for t in typed.targets]
    return []


def chain_protocol(entry: ConsulEntry, known: Protocols) -> str:
    """The protocol Consul compiles ``entry``'s discovery chain with: that of the first
    service the chain visits. A chain starts at its router (whose catch-all route is its
    own service), else at its splitter (its first split), else at its resolver (its own
    service). So Consul 1.14 accepts a splitter on a tcp service whose splits all go to an
    http one, and refuses ``10 -> a tcp service, 90 -> itself`` naming itself."""
    typed = entry.typed
    if isinstance(typed, ServiceSplitter) and typed.splits and \
            entry.name not in known.routed:
        return known.of(typed.splits[0].service)
    return known.of(entry.name)


def _l7_protocol(entry: ConsulEntry, known: Protocols, sink: Sink) -> None:
    protocol = chain_protocol(entry, known)
    if protocol not in L7_PROTOCOLS:
        sink.error(f'discovery chain "{entry.name}" uses a protocol "{protocol}" that does '
                   "not permit advanced routing or splitting behavior", entry.span,
                   f'{entry.label} needs an HTTP-based protocol on every service it sends '
                   f'to: set protocol = "http" on service "{entry.name}", or write a '
                   "service-defaults entry for it")


def _target_protocol(entry: ConsulEntry, service: str, span: SourceSpan | None,
                     known: Protocols, sink: Sink) -> None:
    chain, target = chain_protocol(entry, known), known.of(service)
    if chain == target:
        return
    hint = (f'"{service}" is declared nowhere in this configuration, so Consul takes it as '
            f'"{DEFAULT_PROTOCOL}"' if service not in known.declared else
            f'give "{service}" the protocol "{chain}"')
    sink.error(f'discovery chain "{entry.name}" uses inconsistent protocols; service '
               f'"{service}" has "{target}" which is not "{chain}"', span, hint)


def _subset_hint(service: str, subset: str, defined: Mapping[str, frozenset[str]]) -> str:
    if service not in defined:
        return (f'no service-resolver "{service}" in this configuration defines subsets; '
                f'add one with Subsets = {{ {subset} = {{ Filter = "..." }} }}')
    return f'service-resolver "{service}" defines: {_listed(defined[service])}'


def _listed(names: Iterable[str]) -> str:
    found = sorted(names)
    return ", ".join(found) if found else "no subsets"


def _float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def scaled_weight(weight: float) -> int:
    """A weight as Consul sums it: a float32, times 100 in float32, rounded half away
    from zero (Go's ``math.Round``; Python's ``round`` rounds half to even)."""
    scaled = _float32(_float32(weight) * 100.0)
    return int(math.copysign(math.floor(abs(scaled) + 0.5), scaled))


def _weights(entry: ConsulEntry, splitter: ServiceSplitter, sink: Sink) -> None:
    total = sum(scaled_weight(s.weight) for s in splitter.splits)
    if total != 10000:
        shown = _float32(_float32(float(total)) / 100.0)
        sink.error(f"the sum of all split weights must be 100, not {shown:f}", entry.span,
                   " + ".join(f"{s.weight:g}" for s in splitter.splits) + " (weights count "
                   "to two decimals)")
    seen: set[tuple[str, str]] = set()
    for split in splitter.splits:
        if (split.service, split.subset) in seen:
            sink.error(f'split destination occurs more than once: service="{split.service}", '
                       f'subset="{split.subset}", namespace="", partition=""', split.span)
        seen.add((split.service, split.subset))
