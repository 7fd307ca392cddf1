"""The state journal's format: what one persisted change adds, and how a reader replays it.

During an apply the local backend records each persisted change as one JSON line appended
to a journal beside the state (O(change), not a rewrite of the whole state), and writes
the whole state once at the end (the fold). Pure: bytes in, :class:`State` out.

* The first line (the header) ties the journal to one state file: its lineage, serial
  and the SHA-256 of its exact bytes. A journal over other bytes is stale (its state was
  folded, or replaced by ``state push``): a reader ignores it, a writer removes it.
* Each further line is one change: ``{"serial": N, "set": [resources], "remove":
  [addresses]}``, N one above the line before (the header's serial for the first).
* A last line without its newline is torn (a kill during its append, which therefore
  never returned): it was never persisted and is ignored. Any complete line that cannot
  be read, or a serial out of sequence, is a :class:`StateError`: the journal is not
  what ncplan writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from ncplan.errors import StateError
from ncplan.state.codec import resource_from_json, resource_json
from ncplan.state.model import Edits, ResourceState, State, sort_resources

FORMAT = 1


@dataclass(frozen=True)
class Change:
    """One journal line: the resources set (added or replaced) and those removed."""

    serial: int
    set: tuple[ResourceState, ...]
    removed: tuple[str, ...]


def digest(base: bytes) -> str:
    return hashlib.sha256(base).hexdigest()


def header(base: bytes, state: State) -> bytes:
    """The first line of a journal over the state file holding ``base`` (``state``)."""
    return _line({"journal": FORMAT, "lineage": state.lineage, "serial": state.serial,
                  "base_sha256": digest(base)})


def change(prior: State, new: State) -> Change:
    """What turns ``prior`` into ``new``: unchanged resources are the same objects (states
    are immutable), so comparing is cheap; only the changed ones are encoded."""
    before = {r.address: r for r in prior.resources}
    changed = tuple(r for r in new.resources
                    if before.get(r.address) is not r and before.get(r.address) != r)
    kept = {r.address for r in new.resources}
    return Change(new.serial, changed, tuple(a for a in before if a not in kept))


def change_of(prior: State, new: State, edits: Edits) -> Change | None:
    """What :func:`change` would find, from ``edits``, when they are what turned
    ``prior`` into ``new`` (checked: ``prior`` with the edits made is ``new``, compared
    record by record in C, by identity first); ``None`` when they are not (the caller
    compares the whole states then). O(edits log N) to find, O(N) in C to check."""
    if edits.base is not prior:
        return None
    records = {r.address: r for r in edits.set}
    removed = set(edits.removed) - records.keys()
    made = prior.without(removed)
    for record in records.values():
        made = made.with_resource(record)
    if made.resources != new.resources:
        return None
    before = {a: prior.resource(a) for a in (*records, *removed)}
    changed = tuple(records[a] for a in sorted(records) if before[a] != records[a])
    return Change(new.serial, changed, tuple(a for a in sorted(removed) if before[a]))


def change_line(entry: Change) -> bytes:
    return _line({"serial": entry.serial, "set": [resource_json(r) for r in entry.set],
                  "remove": list(entry.removed)})


def _line(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()


def replay(state: State, base: bytes, journal: bytes, source: str) -> State:
    """``state`` (decoded from ``base``) with the journal's changes applied, or ``state``
    itself when the journal is over other bytes (stale) or holds no change."""
    lines = journal.split(b"\n")[:-1]  # the part after the last newline is torn, or empty
    if not lines:
        return state
    head = _parsed(lines[0], f"{source}: line 1")
    if not isinstance(head, dict) or head.get("journal") != FORMAT:
        raise StateError(f"{source}: line 1 is not a state journal header of format {FORMAT}")
    if head.get("base_sha256") != digest(base):
        return state  # stale: written over another state file
    if head.get("lineage") != state.lineage or head.get("serial") != state.serial:
        raise StateError(f"{source}: the journal's header does not match its state file "
                         f"(lineage, serial)")
    resources = {r.address: r for r in state.resources}
    serial = state.serial
    for number, raw in enumerate(lines[1:], start=2):
        entry = _change(_parsed(raw, f"{source}: line {number}"), f"{source}: line {number}")
        if entry.serial != serial + 1:
            raise StateError(f"{source}: line {number}: serial {entry.serial} does not "
                             f"follow serial {serial}")
        serial = entry.serial
        for address in entry.removed:
            resources.pop(address, None)
        resources.update((r.address, r) for r in entry.set)
    return replace(state, serial=serial, resources=sort_resources(resources.values()))


def _parsed(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise StateError(f"{where}: not a journal record ({error})") from error


def _change(doc: Any, where: str) -> Change:
    if not isinstance(doc, dict) or set(doc) != {"serial", "set", "remove"}:
        raise StateError(f"{where}: a journal record has exactly serial, set and remove")
    serial, raw_set, removed = doc["serial"], doc["set"], doc["remove"]
    if not (type(serial) is int and isinstance(raw_set, list) and isinstance(removed, list)
            and all(isinstance(a, str) for a in removed)):
        raise StateError(f"{where}: a journal record's serial is an integer, set a list of "
                         "resources and remove a list of addresses")
    resources = tuple(resource_from_json(r, f"{where}: set[{i}]", where)
                      for i, r in enumerate(raw_set))
    return Change(serial, resources, tuple(removed))
