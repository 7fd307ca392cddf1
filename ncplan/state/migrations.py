"""Format evolution: one upgrade function per older format version.

Each function takes the decoded JSON object of version N and returns the object of
version N + 1; :func:`upgrade` chains them up to :data:`CURRENT_VERSION`. Upgrades work
on plain JSON data so that they never depend on today's dataclasses. A new format
version means: bump ``CURRENT_VERSION``, add ``_vN_to_vN1`` here, register it in
``UPGRADES`` and add a test with a document in the old shape. Each function checks the
shape it reads (field types, unknown fields) and raises :class:`UpgradeError` naming the
field and the resource, never a TypeError half way through.

Version 1 (ncplan 0.0.x prototypes) kept resources in an object keyed by address::

    {"version": 1, "serial": 3, "lineage": "...",
     "resources": {"nomad_job.db": {"id": "db", "attributes": {...},
                                    "modify_index": 12, "depends_on": ["..."]}}}

Version 2 keeps a sorted list and names the writer::

    {"version": 2, "ncplan_version": "0.1.0", "serial": 3, "lineage": "...",
     "resources": [{"address": "nomad_job.db", "kind": "nomad_job", "id": "db",
                    "attributes": {...}, "observed_index": 12, "dependencies": [...]}]}

Version 3 (current) has the same shape; an intention's address, ID and the dependencies
naming it are spelt so that a shell takes them unquoted: ``consul_intention.web:db``
(version 2: ``consul_intention.web->db``, whose ``>`` a shell reads as a redirection),
and Consul's wildcard ``*`` as ``ALL`` (``consul_intention.ALL:db``, was ``*->db``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ncplan.jsontypes import kind_name, value_kind
from ncplan.state.model import CURRENT_VERSION

Document = dict[str, Any]


class UpgradeError(ValueError):
    """A document that claims a version but does not have its shape."""


V1_FIELDS = frozenset({"version", "ncplan_version", "serial", "lineage", "resources"})
V1_RESOURCE_FIELDS = frozenset({"id", "attributes", "modify_index", "depends_on"})


def unknown_fields(doc: Document, known: frozenset[str]) -> str:
    """``unknown field 'x'`` / ``unknown fields 'x', 'y'``: the names of ``doc`` not in
    ``known``; empty when there are none. The state's decoder says it the same way."""
    unknown = sorted(set(doc) - known)
    names = ", ".join(repr(name) for name in unknown)
    return f"unknown field{'s' if len(unknown) > 1 else ''} {names}" if unknown else ""


def is_of(value: Any, kind: type | tuple[type, ...]) -> bool:
    """``isinstance``, except that a JSON ``true`` is not an int."""
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is int)


def _unknown(doc: Document, known: frozenset[str], where: str) -> None:
    unknown = unknown_fields(doc, known)
    if unknown:
        raise UpgradeError(f"{where}: {unknown}")


def _typed(entry: Document, name: str, kind: type, default: Any, where: str) -> Any:
    value = entry.get(name, default)
    if not is_of(value, kind):
        raise UpgradeError(f"{where}: field {name!r} must be {kind_name(kind)}, "
                           f"not {value_kind(value)}")
    return value


def _v1_resource(address: str, entry: Any) -> Document:
    where = f"version 1 resource {address!r}"
    if not isinstance(entry, dict):
        raise UpgradeError(f"{where} must be an object")
    _unknown(entry, V1_RESOURCE_FIELDS, where)
    depends_on = _typed(entry, "depends_on", list, [], where)
    if not all(isinstance(d, str) for d in depends_on):
        raise UpgradeError(f"{where}: field 'depends_on' must be a list of strings")
    return {
        "address": address,
        "kind": address.partition(".")[0],
        "id": _typed(entry, "id", str, "", where),
        "attributes": _typed(entry, "attributes", dict, {}, where),
        "observed_index": _typed(entry, "modify_index", int, 0, where),
        "dependencies": sorted(depends_on),
    }


def _v1_to_v2(doc: Document) -> Document:
    _unknown(doc, V1_FIELDS, "version 1 state")
    resources = doc.get("resources", {})
    if not isinstance(resources, dict):
        raise UpgradeError("version 1 'resources' must be an object keyed by address")
    upgraded = [_v1_resource(address, entry) for address, entry in sorted(resources.items())]
    kept: Document = {name: doc[name] for name in ("serial", "lineage") if name in doc}
    return {"version": 2, "ncplan_version": doc.get("ncplan_version", "0.0.0"),
            **kept, "resources": upgraded}


V2_INTENTION_PREFIX = "consul_intention."


def _v2_intention_name(name: str) -> str:
    """``web->db`` -> ``web:db``; ``*->db`` -> ``ALL:db``: the version 3 spelling. Kept
    here, frozen, rather than borrowed from today's address module."""
    source, arrow, destination = name.partition("->")
    if not arrow:
        return name
    return ":".join("ALL" if part == "*" else part for part in (source, destination))


def _v2_address(address: str) -> str:
    if not address.startswith(V2_INTENTION_PREFIX):
        return address
    return V2_INTENTION_PREFIX + _v2_intention_name(address[len(V2_INTENTION_PREFIX):])


def _v2_resource(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry  # the decoder names what is wrong with it
    address = entry.get("address")
    if not isinstance(address, str):
        return entry
    where = f"version 2 resource {address!r}"
    upgraded = {**entry, "address": _v2_address(address)}
    if address.startswith(V2_INTENTION_PREFIX) and isinstance(entry.get("id"), str):
        upgraded["id"] = _v2_intention_name(entry["id"])
    dependencies = entry.get("dependencies")
    if isinstance(dependencies, list):
        if not all(isinstance(d, str) for d in dependencies):
            raise UpgradeError(f"{where}: field 'dependencies' must be a list of strings")
        upgraded["dependencies"] = sorted(_v2_address(d) for d in dependencies)
    return upgraded


def _v2_to_v3(doc: Document) -> Document:
    resources = doc.get("resources")
    if not isinstance(resources, list):
        raise UpgradeError("version 2 'resources' must be a list")
    return {**doc, "version": 3, "resources": [_v2_resource(entry) for entry in resources]}


#: version N -> the function that turns a version-N document into version N + 1.
UPGRADES: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2, 2: _v2_to_v3}
OLDEST_VERSION = min(UPGRADES, default=CURRENT_VERSION)


def upgrade(doc: Document) -> Document:
    """Upgrade ``doc`` (whose ``version`` is known and not newer) to the current version."""
    version = doc["version"]
    while version < CURRENT_VERSION:
        doc = UPGRADES[version](doc)
        if doc.get("version") != version + 1:
            raise AssertionError(f"upgrade from version {version} did not produce {version + 1}")
        version += 1
    return doc
