"""Has anything a saved plan will write moved since the plan? One list request per kind.

``apply PLANFILE`` re-reads the live index of each resource the plan changes (Nomad's
JobModifyIndex, the config entry's, token's or variable's ModifyIndex; 0 when absent)
from its kind's list (an object the list does not show, or a kind the token may not
list, is read on its own), concurrently, and compares it with the index the plan
observed. Check-and-set would
refuse such a write anyway, but only after the writes before it were made; this refuses
the whole plan first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ncplan.errors import NcplanError
from ncplan.kinds.base import Listing
from ncplan.kinds.registry import KINDS, kind_at
from ncplan.planner.model import ResourceChange
from ncplan.providers.clients import Providers


@dataclass(frozen=True)
class Moved:
    """A resource whose live index is not the one the plan saw."""

    address: str
    planned: int
    live: int

    @property
    def reason(self) -> str:
        return (f"{self.address} changed since the plan (index {self.planned} -> "
                f"{self.live})")


def _reader(providers: Providers, change: ResourceChange,
            listings: Mapping[str, Future[Listing[Any] | None]]) -> Callable[[], int]:
    """The live index of ``change``'s object: from its kind's list, else (absent from a
    list the token's rights may filter, or no list) read on its own."""
    kind, address = kind_at(change.address)
    key = kind.read_key(address)

    def index() -> int:
        listed = listings[kind.name].result()
        if listed is not None and key in listed.indexes:
            return int(listed.indexes[key])
        return kind.index_of(providers, address)
    return index


def moved_indexes(changes: Sequence[ResourceChange], providers: Providers, *,
                  parallelism: int) -> list[Moved]:
    """Every change whose live index moved, in address order; raises the first read
    failure (in address order) prefixed with its address."""
    ordered = sorted(changes, key=lambda c: c.address)
    with ThreadPoolExecutor(max_workers=max(1, parallelism),
                            thread_name_prefix="ncplan-index") as pool:
        kinds: set[str] = {kind_at(change.address)[0].name for change in ordered}
        listings = {name: pool.submit(KINDS[name].permitted_listing, providers)
                    for name in sorted(kinds)}
        # every list is queued before the reads that wait on it: no read waits on a
        # list no worker took
        readers = [_reader(providers, change, listings) for change in ordered]
        futures = [pool.submit(read) for read in readers]
    moved = []
    for change, future in zip(ordered, futures, strict=True):
        try:
            live = future.result()
        except NcplanError as error:
            raise NcplanError(f"{change.address}: {error.message}", hint=error.hint) from error
        if live != change.observed_index:
            moved.append(Moved(change.address, change.observed_index, live))
    return moved
