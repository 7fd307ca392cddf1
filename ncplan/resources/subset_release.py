"""Within one apply: an entry that stops naming a resolver subset is written (or deleted)
before the resolver update that drops the subset. Pure.

Consul refuses a resolver without a subset that a live splitter or router still names
("does not have a subset named"). The edge comes from the contents of both sides, the
entries before (live or recorded) and after (the configuration): recorded as a
dependency it would be the wrong way round for a later destroy, so it is an edge of this
apply only (:func:`ncplan.planner.steps.plan_steps`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ncplan.config.entry_files import lookup
from ncplan.resources.entry_order import ENTRY_PREFIX

RESOLVER = "service-resolver"
NAMING_KINDS = ("service-splitter", "service-router")


@dataclass(frozen=True)
class EntrySides:
    """One entry's change: its address, and its body before and after (``None``: absent)."""

    address: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class Release:
    """``resolver``'s change must wait for ``releasing``'s, which stops naming a subset
    the resolver drops and names none the resolver has yet to define: so its write
    needs the resolver before, not after (the configuration's edge between them is
    this apply's the other way round)."""

    resolver: str
    releasing: str


def _kind_name(address: str) -> tuple[str, str] | None:
    prefix, _, rest = address.partition(".")
    kind, _, name = rest.partition(".")
    return (kind, name) if prefix == ENTRY_PREFIX and name else None


def _text(mapping: Any, field: str) -> str:
    found = lookup(mapping, field) if isinstance(mapping, Mapping) else None
    return str(found[1]) if found is not None and found[1] is not None else ""


def _items(mapping: Any, field: str) -> list[Any]:
    found = lookup(mapping, field) if isinstance(mapping, Mapping) else None
    return list(found[1]) if found is not None and isinstance(found[1], list) else []


def named_subsets(kind: str, name: str,
                  body: Mapping[str, Any] | None) -> frozenset[tuple[str, str]]:
    """The ``(service, subset)`` pairs a splitter or router ``body`` names."""
    if body is None:
        return frozenset()
    if kind == "service-splitter":
        places = _items(body, "Splits")
    else:
        places = [(lookup(route, "Destination") or ("", {}))[1]
                  for route in _items(body, "Routes") if isinstance(route, Mapping)]
    return frozenset((_text(place, "Service") or name, _text(place, "ServiceSubset"))
                     for place in places if _text(place, "ServiceSubset"))


def defined_subsets(body: Mapping[str, Any] | None) -> frozenset[str]:
    """The subsets a resolver ``body`` defines."""
    found = lookup(body, "Subsets") if body is not None else None
    return frozenset(map(str, found[1])) if found and isinstance(found[1], Mapping) \
        else frozenset()


def subset_releases(changes: Iterable[EntrySides]) -> tuple[Release, ...]:
    """For each resolver whose change drops subsets, each splitter or router change that
    stops naming one of them (updated without it, or deleted)."""
    changes = list(changes)
    dropped: dict[str, tuple[str, frozenset[str]]] = {}  # service -> resolver, subsets
    existing: dict[str, frozenset[str]] = {}  # service -> the subsets before
    for change in changes:
        key = _kind_name(change.address)
        if key is not None and key[0] == RESOLVER:
            existing[key[1]] = defined_subsets(change.before)
            gone = existing[key[1]] - defined_subsets(change.after)
            if gone:
                dropped[key[1]] = (change.address, gone)
    found = []
    for change in changes:
        key = _kind_name(change.address)
        if key is None or key[0] not in NAMING_KINDS:
            continue
        after = named_subsets(*key, change.after)
        released = named_subsets(*key, change.before) - after
        for service, subset in sorted(released):
            still = {s for named, s in after if named == service}
            if service in dropped and subset in dropped[service][1] \
                    and still <= existing[service]:
                found.append(Release(dropped[service][0], change.address))
    return tuple(dict.fromkeys(found))
