"""Format evolution: one upgrade function per older format version.

Each function takes the decoded JSON object of version N and returns the object of
version N + 1; :func:`upgrade` chains them up to :data:`CURRENT_VERSION`. Upgrades work
on plain JSON data so that they never depend on today's dataclasses. A new format
version means: bump ``CURRENT_VERSION``, add ``_vN_to_vN1`` here, register it in
``UPGRADES`` and add a test with a document in the old shape.

Version 1 (ncplan 0.0.x prototypes) kept resources in an object keyed by address::

    {"version": 1, "serial": 3, "lineage": "...",
     "resources": {"nomad_job.db": {"id": "db", "attributes": {...},
                                    "modify_index": 12, "depends_on": ["..."]}}}

Version 2 (current) keeps a sorted list and names the writer::

    {"version": 2, "ncplan_version": "0.1.0", "serial": 3, "lineage": "...",
     "resources": [{"address": "nomad_job.db", "kind": "nomad_job", "id": "db",
                    "attributes": {...}, "observed_index": 12, "dependencies": [...]}]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ncplan.state.model import CURRENT_VERSION

Document = dict[str, Any]


class UpgradeError(ValueError):
    """A document that claims a version but does not have its shape."""


def _v1_to_v2(doc: Document) -> Document:
    resources = doc.get("resources", {})
    if not isinstance(resources, dict):
        raise UpgradeError("version 1 'resources' must be an object keyed by address")
    upgraded = []
    for address, entry in sorted(resources.items()):
        if not isinstance(entry, dict):
            raise UpgradeError(f"version 1 resource {address!r} must be an object")
        kind, _, _name = address.partition(".")
        upgraded.append({
            "address": address,
            "kind": kind,
            "id": entry.get("id", ""),
            "attributes": entry.get("attributes", {}),
            "observed_index": entry.get("modify_index", 0),
            "dependencies": sorted(entry.get("depends_on", [])),
        })
    return {
        "version": 2,
        "ncplan_version": doc.get("ncplan_version", "0.0.0"),
        "serial": doc.get("serial"),
        "lineage": doc.get("lineage"),
        "resources": upgraded,
    }


#: version N -> the function that turns a version-N document into version N + 1.
UPGRADES: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2}
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
