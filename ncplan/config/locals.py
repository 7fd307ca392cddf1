"""``locals { name = ... }`` blocks: named expressions referenced as ``local.name``.

A local holds the same expressions as any attribute ncplan evaluates (literals, templates
over ``var.*``, ``local.*`` and ``upstream.*``); it is expanded where it is referenced, so
``${upstream.X}`` in a local takes the referencing service's sidecar. A local defined
twice, or a cycle of locals, is an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any

from ncplan.config.collector import Sink, Where
from ncplan.config.syntax import RawBlock

_LOCAL_USE = re.compile(r"(?<![\w.])local\.([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass(frozen=True)
class Local:
    """One ``name = value`` of a ``locals`` block, unexpanded."""

    name: str
    value: Any
    where: Where


def _uses(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_LOCAL_USE.findall(value))
    if isinstance(value, list):
        return set().union(*(_uses(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_uses(v) for v in value.values())) if value else set()
    return set()


def read_locals(blocks: Sequence[tuple[str, RawBlock]], sink: Sink) -> dict[str, Local]:
    """Every local by name; duplicates and cycles are reported (a local in a cycle is
    left out, so its references report nothing more)."""
    found: dict[str, Local] = {}
    for file, block in blocks:
        for sub in block.blocks:
            sink.error(f'unexpected {sub.type} block in locals', Where(file, sub.pos),
                       "a locals block holds only name = value lines")
        for attribute in block.attributes:
            where = Where(file, attribute.pos)
            if attribute.name in found:
                earlier = found[attribute.name].where
                sink.error(f'duplicate local "{attribute.name}"', where,
                           f"local.{attribute.name} is already defined at "
                           f"{earlier.file}:{earlier.pos.line}")
                continue
            found[attribute.name] = Local(attribute.name, attribute.value, where)
    graph = {name: _uses(local.value) & set(found) for name, local in found.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = list(error.args[1])
        chain = " -> ".join(f"local.{name}" for name in reversed(cycle))
        first = found[cycle[0]]
        sink.error(f"locals refer to each other in a cycle: {chain}", first.where,
                   "a local cannot depend on itself, directly or through others")
        for name in cycle:
            found.pop(name, None)
    return found
