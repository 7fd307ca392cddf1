"""Output of the ``state`` and ``force-unlock`` commands: data on stdout, notes on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console

from ncplan.state.codec import to_json
from ncplan.state.model import ResourceState, State


def print_addresses(out: Console, state: State | None) -> None:
    """``state list``: one address per line, nothing for an empty state."""
    for address in state.addresses if state is not None else ():
        out.print(address, markup=False)


def print_resource(out: Console, resource: ResourceState) -> None:
    """``state show ADDR``: the recorded fields, attributes as indented JSON."""
    out.print(f"# {resource.address}:", markup=False)
    out.print(f"kind           = {json.dumps(resource.kind)}", markup=False)
    out.print(f"id             = {json.dumps(resource.id)}", markup=False)
    out.print(f"observed_index = {resource.observed_index}", markup=False)
    out.print(f"dependencies   = {json.dumps(list(resource.dependencies))}", markup=False)
    if resource.possibly_applied:  # a write sent, never answered: the next plan settles it
        out.print("possibly_applied = true", markup=False)
    attributes = json.dumps(resource.attributes, indent=2, sort_keys=True)
    out.print(f"attributes     = {attributes}", markup=False)


def write_state_json(state: State) -> None:
    """``state pull``: the state document, exactly as stored, through json.dumps."""
    write_json(to_json(state))


def write_json(document: Mapping[str, Any] | None) -> None:
    """A JSON document on stdout: keys sorted, indent 2, a final newline."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    sys.stdout.flush()


def note(err: Console, message: str) -> None:
    err.print(message, markup=False)


def print_removed(out: Console, addresses: Iterable[str], backup: str | None) -> None:
    removed = list(addresses)
    for address in removed:
        out.print(f"Removed {address}", markup=False)
    count = len(removed)
    out.print(f"Successfully removed {count} resource{'s' if count != 1 else ''} "
              "from the state.", markup=False)
    if backup:
        out.print(f"The previous state is kept in {backup}.", markup=False)


def print_pushed(out: Console, source: str, state: State | None) -> None:
    if state is None:
        return
    out.print(f"Pushed {source}: serial {state.serial}, lineage {state.lineage}.",
              markup=False)


def confirm_force_unlock(err: Console, lock_id: str, where: str) -> bool:
    """Ask on stderr and read the answer from stdin; only ``yes`` confirms."""
    err.print("Do you really want to force-unlock?", markup=False)
    err.print(f"  State: {where}", markup=False)
    err.print(f"  ncplan will remove lock {lock_id}. Removing the lock of a run that is\n"
              "  still going may let two runs write the state at once.\n"
              "  Only 'yes' will be accepted to confirm.", markup=False)
    err.print("  Enter a value: ", end="", markup=False)
    answer = sys.stdin.readline()
    return answer.strip() == "yes"
