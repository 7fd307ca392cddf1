"""Has anything a saved plan will write moved since the plan? One cheap read per resource.

``apply PLANFILE`` re-reads the live index of each resource the plan changes (Nomad's
JobModifyIndex, the config entry's, token's or variable's ModifyIndex; 0 when absent),
concurrently, and compares it with the index the plan observed. Check-and-set would
refuse such a write anyway, but only after the writes before it were made; this refuses
the whole plan first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ncplan.errors import NcplanError
from ncplan.kinds.registry import kind_at
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


def _reader(providers: Providers, change: ResourceChange) -> Callable[[], int]:
    kind, address = kind_at(change.address)
    return lambda: kind.index_of(providers, address)


def moved_indexes(changes: Sequence[ResourceChange], providers: Providers, *,
                  parallelism: int) -> list[Moved]:
    """Every change whose live index moved, in address order; raises the first read
    failure (in address order) prefixed with its address."""
    ordered = sorted(changes, key=lambda c: c.address)
    readers = [_reader(providers, change) for change in ordered]
    with ThreadPoolExecutor(max_workers=max(1, parallelism),
                            thread_name_prefix="ncplan-index") as pool:
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
