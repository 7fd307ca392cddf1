"""JSON (de)serialization of :class:`State`, with strict checks and format upgrades.

``decode`` refuses anything it does not fully understand with a :class:`StateError`
that names the source (a file path or a Consul KV path), the field and the resource; it
never guesses, so a state it cannot read is never silently replaced. That includes
unknown fields, at the top level and in a resource: a field this ncplan would drop at
its next write is refused by name rather than lost (a new field means a new format
version, see :mod:`ncplan.state.migrations`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from ncplan.address import parse_address
from ncplan.errors import ConfigError, StateError
from ncplan.jsontypes import kind_name, value_kind
from ncplan.state.migrations import (
    OLDEST_VERSION,
    UpgradeError,
    is_of,
    unknown_fields,
    upgrade,
)
from ncplan.state.model import CURRENT_VERSION, ResourceState, State, sort_resources


def to_json(state: State) -> dict[str, Any]:
    return {
        "version": state.version,
        "ncplan_version": state.ncplan_version,
        "serial": state.serial,
        "lineage": state.lineage,
        "resources": [resource_json(r) for r in state.resources],
    }


def resource_json(resource: ResourceState) -> dict[str, Any]:
    return {
        "address": resource.address,
        "kind": resource.kind,
        "id": resource.id,
        "attributes": dict(resource.attributes),
        "observed_index": resource.observed_index,
        "dependencies": list(resource.dependencies),
        **({"possibly_applied": True} if resource.possibly_applied else {}),
    }


def encode(state: State) -> bytes:
    """Stable, readable JSON: sorted keys, two-space indent, a final newline."""
    return (json.dumps(to_json(state), indent=2, sort_keys=True) + "\n").encode()


_SLOT = "\x00resources\x00"


class StateEncoder:
    """:func:`encode`, byte for byte, keeping each resource's text between calls.

    An apply writes the whole state after every step; encoding every unchanged resource
    again each time made N steps cost N whole encodings. A resource is encoded again only
    when it is another object than last time (states are immutable: an unchanged
    resource is the same object in the next state)."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[ResourceState, str]] = {}

    def encode(self, state: State) -> bytes:
        texts: dict[str, tuple[ResourceState, str]] = {}
        parts: list[str] = []
        for resource in state.resources:
            known = self._texts.get(resource.address)
            if known is None or known[0] is not resource:
                body = json.dumps(resource_json(resource), indent=2, sort_keys=True)
                known = (resource, "\n".join("    " + line for line in body.split("\n")))
            texts[resource.address] = known
            parts.append(known[1])
        self._texts = texts
        document = json.dumps({**to_json(replace(state, resources=())), "resources": _SLOT},
                              indent=2, sort_keys=True)
        items = ",\n".join(parts)
        listed = f"[\n{items}\n  ]" if items else "[]"
        return (document.replace(json.dumps(_SLOT), listed, 1) + "\n").encode()


def decode(data: bytes, source: str) -> State:
    """Parse, check the version, upgrade, and build the dataclasses."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise StateError(f"{source}: the state is not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise StateError(f"{source}: the state is not valid JSON: {error.msg} "
                         f"at line {error.lineno} column {error.colno}") from error
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise StateError(f"{source}: the state is not valid JSON: {error}") from error
    except RecursionError as error:
        raise StateError(f"{source}: the state is nested too deeply to read") from error
    return from_json(doc, source)


#: How a state of a newer format ends its error (no backup is the answer to it).
NEWER_FORMAT = f"this ncplan reads versions {OLDEST_VERSION} to {CURRENT_VERSION}"


def from_json(doc: Any, source: str) -> State:
    if not isinstance(doc, dict):
        raise StateError(f"{source}: the state must be a JSON object, "
                         f"not {value_kind(doc)}")
    version = doc.get("version")
    if version is None:
        raise StateError(f"{source}: the state has no 'version' field")
    if not is_of(version, int):
        raise StateError(f"{source}: the state 'version' must be an integer, not {version!r}")
    if version > CURRENT_VERSION:
        writer = doc.get("ncplan_version")
        by = f" by ncplan {writer}" if isinstance(writer, str) else ""
        raise StateError(
            f"{source}: the state was written{by} in format version {version}; "
            f"{NEWER_FORMAT}",
            hint="upgrade ncplan to read this state; the file was left untouched")
    if version < OLDEST_VERSION:
        raise StateError(f"{source}: unknown state format version {version} "
                         f"(this ncplan reads versions {OLDEST_VERSION} to {CURRENT_VERSION})")
    try:
        doc = upgrade(doc)
    except UpgradeError as error:
        raise StateError(f"{source}: cannot upgrade the state from version {version}: "
                         f"{error}") from error
    return _build(doc, source)


FIELDS = frozenset({"version", "ncplan_version", "serial", "lineage", "resources"})
RESOURCE_FIELDS = frozenset({"address", "kind", "id", "attributes", "observed_index",
                             "dependencies", "possibly_applied"})


def _refuse_unknown(doc: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = unknown_fields(doc, known)
    if unknown:
        raise StateError(f"{where}: {unknown}",
                         hint="this ncplan does not know that field and would drop it at its "
                              "next write; was the state edited by hand?")


def _field(doc: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in doc:
        raise StateError(f"{where}: missing field '{name}'")
    value = doc[name]
    if not is_of(value, kind):
        raise StateError(f"{where}: field '{name}' must be {kind_name(kind)}, "
                         f"not {value_kind(value)}")
    return value


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _check_address(address: str, kind: str | None, where: str) -> None:
    """A resource's address (and its ``kind``) as ncplan writes them, else a StateError."""
    try:
        parsed = parse_address(address)
    except ConfigError as error:
        detail = error.diagnostics[0].detail if error.diagnostics else ""
        raise StateError(f"{where}: invalid address {address!r}: {detail}") from error
    if str(parsed) != address:
        raise StateError(f"{where}: address {address!r} is not spelt as this state format "
                         f"writes it ({str(parsed)!r})")
    if kind is not None and kind != parsed.kind:
        raise StateError(f"{where}: field 'kind' is {kind!r} but the address is a "
                         f"{parsed.kind}")


def resource_from_json(raw: Any, where: str, source: str) -> ResourceState:
    """One resource as :func:`resource_json` writes it, checked as :func:`decode` does."""
    if not isinstance(raw, dict):
        raise StateError(f"{where}: must be an object")
    address = _field(raw, "address", str, where)
    where = f"{source}: resource {address}"
    _refuse_unknown(raw, RESOURCE_FIELDS, where)
    dependencies = _field(raw, "dependencies", list, where)
    if not all(isinstance(d, str) for d in dependencies):
        raise StateError(f"{where}: field 'dependencies' must be a list of strings")
    kind = _field(raw, "kind", str, where)
    _check_address(address, kind, where)
    for dependency in dependencies:
        _check_address(dependency, None, f"{where}: dependency {dependency!r}")
    observed_index = _field(raw, "observed_index", int, where)
    if observed_index < 0:
        raise StateError(f"{where}: field 'observed_index' must not be negative, "
                         f"not {observed_index}")
    return ResourceState(
        address=address,
        kind=kind,
        id=_field(raw, "id", str, where),
        attributes=_field(raw, "attributes", dict, where),
        observed_index=observed_index,
        dependencies=tuple(dependencies),
        possibly_applied=raw.get("possibly_applied") is True,
    )


def _build(doc: dict[str, Any], source: str) -> State:
    _refuse_unknown(doc, FIELDS, source)
    resources_raw = _field(doc, "resources", list, source)
    resources = []
    seen: set[str] = set()
    for index, raw in enumerate(resources_raw):
        resource = resource_from_json(raw, f"{source}: resources[{index}]", source)
        if resource.address in seen:
            raise StateError(f"{source}: resources[{index}]: duplicate address "
                             f"{resource.address!r}")
        seen.add(resource.address)
        resources.append(resource)
    serial = _field(doc, "serial", int, source)
    if serial < 0:
        raise StateError(f"{source}: field 'serial' must not be negative")
    lineage = _field(doc, "lineage", str, source)
    if not lineage:
        raise StateError(f"{source}: field 'lineage' must not be empty")
    if not _is_uuid(lineage):
        raise StateError(f"{source}: field 'lineage' must be a UUID, not {lineage!r}",
                         hint="ncplan gives each new state a random UUID as its lineage; "
                              "was the state edited by hand?")
    return State(
        version=CURRENT_VERSION,
        ncplan_version=_field(doc, "ncplan_version", str, source),
        serial=serial,
        lineage=lineage,
        resources=sort_resources(resources),
    )
