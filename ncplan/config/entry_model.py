"""Consul config entries as the configuration declares them (``*.consul.hcl`` / ``.json``).

A ``ConsulEntry`` keeps the entry whole (``body``: what ``consul config write`` would send,
the keys as written) and, for the kinds ncplan checks and orders, a typed reading of the
fields that matter (``ServiceRouter``, ``ServiceSplitter``, ...), each part with the
place it was written. Keys are read as Consul reads them: case-insensitively, with the
snake_case aliases (``service_subset``) of its structs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ncplan.diagnostics import SourceSpan

L7_KINDS = frozenset({"service-router", "service-splitter"})
CHAIN_KINDS = frozenset({"service-router", "service-splitter", "service-resolver"})


@dataclass(frozen=True)
class Split:
    """One leg of a splitter: ``weight`` percent to ``service`` (the entry's own name when
    the split names none) and its ``subset`` (``""``: the resolver's default)."""

    weight: float
    service: str
    subset: str = ""
    span: SourceSpan | None = None


@dataclass(frozen=True)
class ServiceSplitter:
    splits: tuple[Split, ...] = ()


@dataclass(frozen=True)
class RouteDestination:
    """Where a route sends what it matches (the router's own service when unnamed)."""

    service: str
    subset: str = ""
    span: SourceSpan | None = None


@dataclass(frozen=True)
class ServiceRouter:
    destinations: tuple[RouteDestination, ...] = ()


@dataclass(frozen=True)
class ResolverTarget:
    """A service (and subset) a resolver redirects or fails over to."""

    service: str
    subset: str = ""
    span: SourceSpan | None = None


@dataclass(frozen=True)
class ServiceResolver:
    subsets: tuple[str, ...] = ()
    default_subset: str = ""
    default_subset_span: SourceSpan | None = None
    targets: tuple[ResolverTarget, ...] = ()  # Redirect and Failover targets


@dataclass(frozen=True)
class ProtocolEntry:
    """A service-defaults (``Protocol``) or proxy-defaults (``Config.protocol``): the
    protocol it sets, ``""`` when it sets none."""

    protocol: str = ""
    span: SourceSpan | None = None


@dataclass(frozen=True)
class GatewayService:
    """A service an ingress gateway listener exposes, with the listener's protocol."""

    service: str
    protocol: str = "tcp"
    span: SourceSpan | None = None


@dataclass(frozen=True)
class IngressGateway:
    services: tuple[GatewayService, ...] = ()


Typed = ServiceSplitter | ServiceRouter | ServiceResolver | ProtocolEntry | IngressGateway


@dataclass(frozen=True)
class ConsulEntry:
    """One entry file: ``Kind``, ``Name``, the body as written, where it stands."""

    kind: str
    name: str
    body: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""
    span: SourceSpan | None = None
    typed: Typed | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.name

    @property
    def label(self) -> str:
        """``service-splitter "api"``: how a message names it."""
        return f'{self.kind} "{self.name}"'


@dataclass(frozen=True)
class CanarySpec:
    """A service's ``canary`` block (designed in docs/language.md; its decoding from the
    ``service`` block is not built yet): ``weight`` percent of the service's traffic to
    the canary instances of a Nomad deployment, ``count`` of them."""

    weight: float
    count: int = 1
    span: SourceSpan | None = None


@dataclass(frozen=True)
class PathRoute:
    """A service's ``route "PREFIX" { service = "..." }`` block (designed, as above)."""

    path_prefix: str
    service: str
    span: SourceSpan | None = None
