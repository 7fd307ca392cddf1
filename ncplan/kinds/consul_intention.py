"""``consul_intention``: one source of a destination's ``service-intentions`` entry.

* lowering: :func:`ncplan.resources.desired.intention_body` (an ``intention`` block or a
  service's ``allow_from``), one source each;
* reading: the destination's entry, ``GET /v1/config/service-intentions/:dst`` (every
  intention toward it shares that entry, so one read serves them all), and the ``*``
  destination's entry always (a ``* -> *`` deny written outside ncplan makes the mesh
  deny by default); every entry at once by ``GET /v1/config/service-intentions``;
* comparing: the source's managed keys (Name, Action, Permissions, Description), found
  by name: Consul re-sorts the sources by precedence;
* writing: one source upserted or removed with ``?cas=``, every other source kept; writes
  toward one destination are serialised, each after ncplan's own first one checking
  against the index that write left (the entry changed, but only by us); the sources
  whose steps are ready together go in one write of the entry (``write_group``);
* ownership: the entry's list of the sources each lineage owns; import marks the source;
* import ID: ``SRC:DST`` (``ALL`` for ``*``; the older ``SRC->DST`` is read too).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

from ncplan.address import Address, intention_name, split_intention_name
from ncplan.kinds.base import (
    ABSENT,
    EntryReads,
    Kind,
    LiveView,
    Owner,
    Verdict,
    WriteRequest,
    WriteResult,
    check_index,
)
from ncplan.kinds.compare import consul_verdict, plain_drift
from ncplan.kinds.managed import managed_source
from ncplan.providers.clients import Providers
from ncplan.providers.consul_intention import writable_source
from ncplan.providers.live import LiveIntentions, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.ownership import source_owner
from ncplan.state.model import ResourceState

NAME: Final = "consul_intention"
WILDCARD = "*"


def live_source(live: LiveIntentions | None, source: str) -> Mapping[str, Any] | None:
    """The managed keys of ``source`` in a destination's live entry, found by name:
    Consul re-sorts the sources by precedence, so their positions mean nothing."""
    if live is None:
        return None
    found = live.source(source)
    return None if found is None else managed_source(found)


def planned_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    return managed_source(desired.body)


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    address = desired.typed_address
    live = refreshed.intentions.get(address.destination)
    before = live_source(live, address.source)
    index = live.modify_index if live is not None else 0
    return consul_verdict(recorded, before, planned_body(desired, refreshed), index)


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    entry = refreshed.intentions.get(address.destination)
    found = live_source(entry, address.source)
    return LiveView(found, entry.modify_index if entry is not None and found else 0)


def owner(address: Address, refreshed: Refreshed) -> Owner:
    entry = refreshed.intentions.get(address.destination)
    if entry is None or entry.source(address.source) is None:
        return ABSENT
    return Owner(True, source_owner(entry.body, address.source))


class EntryIndexes:
    """Per config entry: a lock, and the index each of ncplan's own writes moved it from
    and to, so the next write toward the same entry checks against what we left."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._moved: dict[str, dict[int, int]] = {}

    def lock(self, entry: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(entry, threading.Lock())

    def current(self, entry: str, planned: int) -> int:
        """The index to check against: ``planned``, followed through our own writes."""
        moved = self._moved.get(entry, {})
        index, seen = planned, set()
        while index in moved and index not in seen:
            seen.add(index)
            index = moved[index]
        return index

    def record(self, entry: str, before: int, after: int) -> None:
        if before != after:
            self._moved.setdefault(entry, {})[before] = after


class IntentionWriter:
    """One source of the destination's entry, upserted or removed with ``?cas=``."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.intentions = providers.intentions
        self.lineage = lineage
        self.indexes = EntryIndexes()

    def write(self, request: WriteRequest) -> WriteResult:
        return self.write_group([request])[0]

    def group_key(self, request: WriteRequest) -> str | None:
        """The destination's entry, at the index the plan saw: the sources written into
        it together go in one check-and-set write."""
        return f"{request.address.destination}@{request.observed_index}"

    def write_group(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        destination, observed = _one_entry(requests)
        with self.indexes.lock(destination):
            cas = self.indexes.current(destination, observed)
            index = self.intentions.upsert_sources(
                destination, [r.body or {} for r in requests], cas, owner=self.lineage)
            self.indexes.record(destination, cas, index)
        return [WriteResult(index) for _ in requests]

    def delete(self, request: WriteRequest) -> None:
        self.delete_group([request])

    def delete_group(self, requests: Sequence[WriteRequest]) -> None:
        destination, observed = _one_entry(requests)
        with self.indexes.lock(destination):
            cas = self.indexes.current(destination, observed)
            index = self.intentions.remove_sources(
                destination, [r.address.source for r in requests], cas, owner=self.lineage)
            self.indexes.record(destination, cas, index)


def _one_entry(requests: Sequence[WriteRequest]) -> tuple[str, int]:
    """The destination and the planned index a group's requests share."""
    destinations = {r.address.destination for r in requests}
    planned = {r.observed_index for r in requests}
    if len(destinations) != 1 or len(planned) != 1:
        raise ValueError("a group of intentions is one destination at one index")
    return destinations.pop(), planned.pop()


def mark_live(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """The source put in the lineage's list of the entry, changing nothing else."""
    entry = providers.intentions.read(address.destination)
    source = entry.source(address.source) if entry is not None else None
    if entry is None or source is None or source_owner(entry.body, address.source) == lineage:
        return index
    check_index(str(address), index, entry.modify_index)
    return providers.intentions.upsert_source(address.destination, writable_source(source),
                                              index, owner=lineage)


def same_id(ident: str, expected: str) -> bool:
    """``SRC:DST``, ``SRC->DST``, ``ALL`` or ``*`` for the wildcard: the same intention."""
    pair = split_intention_name(ident)
    return pair is not None and intention_name(*pair) == expected


_READS: EntryReads[LiveIntentions] = EntryReads(lambda providers: providers.intentions)

KIND: Kind[LiveIntentions] = Kind(
    name=NAME,
    read_one=_READS.one,
    read_all=_READS.indexes,
    list_objects=_READS.objects,
    live_of=lambda refreshed: refreshed.intentions,
    with_live=lambda refreshed, entries: replace(refreshed, intentions=entries),
    planned_body=planned_body,
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=IntentionWriter,
    mark_live=mark_live,
    drift=plain_drift,
    read_key=lambda address: address.destination,
    always_read={WILDCARD: "Consul intentions toward *"},
    same_id=same_id,
    shared_entry=True,
    import_where="in Consul's service-intentions",
)
