"""A config entry as written vs as Consul returns it: the same when Consul would make the
one of the other. Pure.

What Consul 1.14 adds or changes on the way (seen on the dev agent for the docs' entries,
tests/integration/test_consul_entry_compare.py): ``CreateIndex``/``ModifyIndex``; empty
objects for fields the entry left out (``TransparentProxy``, ``MeshGateway``, ``Expose``
of service-defaults and proxy-defaults); zero values of fields without ``omitempty``
(``TLS = { Enabled = false }`` of an ingress gateway); keys in their struct's spelling
(``service_subset`` comes back ``ServiceSubset``). So both sides are compared with field
keys matched case- and underscore-insensitively and zero values (``false``, ``""``, ``0``,
empty objects and lists) dropped, as Consul's structs cannot tell them from absent. The
keys of free-form maps (``Meta``, proxy ``Config``; subset, header and failover names)
keep their case; the contents of ``Meta`` and ``Config`` are compared as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVER_FIELDS = frozenset({"CreateIndex", "ModifyIndex"})
# Fields whose whole value is free-form: compared exactly as written.
_OPAQUE = frozenset({"meta", "config"})
# Fields whose keys are names (subsets, failover subsets, headers): kept, values compared.
_NAMED = frozenset({"subsets", "failover", "set", "add"})


def _field(key: str) -> str:
    return key.replace("_", "").lower()


def _is_zero(value: Any) -> bool:
    return value is None or value is False or value == "" or \
        (isinstance(value, int | float) and not isinstance(value, bool) and value == 0) or \
        (isinstance(value, Mapping | list) and not value)


def _normal(value: Any, named_keys: bool = False) -> Any:
    if isinstance(value, Mapping):
        found: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key) if named_keys else _field(str(key))
            if name in _OPAQUE and not named_keys:
                inner = dict(item) if isinstance(item, Mapping) else item
            else:
                inner = _normal(item, named_keys=not named_keys and name in _NAMED)
            if not _is_zero(inner):
                found[name] = inner
        return found
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def comparable(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` (written or returned) in the form both compare in."""
    return dict(_normal({k: v for k, v in entry.items() if k not in SERVER_FIELDS}))


def same_entry(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """Whether writing ``desired`` over ``live`` would change nothing."""
    return comparable(desired) == comparable(live)


def without_mark(entry: Mapping[str, Any], mark: str) -> dict[str, Any]:
    """``entry`` without the ownership key ``mark`` in its ``Meta`` (and without ``Meta``
    when nothing else is left in it)."""
    found = dict(entry)
    meta = found.get("Meta")
    if isinstance(meta, Mapping) and mark in meta:
        rest = {k: v for k, v in meta.items() if k != mark}
        if rest:
            found["Meta"] = rest
        else:
            del found["Meta"]
    return found


def as_written(live: Any, written: Any, named_keys: bool = False) -> Any:
    """``live`` (as Consul returns it) in the spelling of ``written``: the server's
    indexes and the zero values Consul adds dropped, each key spelt as ``written`` spells
    the same field, so a diff of the two shows only real changes."""
    if isinstance(live, Mapping):
        spelt = {_field(str(k)) if not named_keys else str(k): str(k)
                 for k in (written if isinstance(written, Mapping) else {})}
        found: dict[str, Any] = {}
        for key, item in live.items():
            if str(key) in SERVER_FIELDS and not named_keys:
                continue
            name = str(key) if named_keys else _field(str(key))
            mine = spelt.get(name, str(key))
            inner_written = written.get(mine) if isinstance(written, Mapping) else None
            if name in _OPAQUE and not named_keys:
                inner = dict(item) if isinstance(item, Mapping) else item
            else:
                inner = as_written(item, inner_written,
                                   named_keys=not named_keys and name in _NAMED)
            if not _is_zero(inner) or (isinstance(written, Mapping) and mine in written):
                found[mine] = inner
        return found
    if isinstance(live, list):
        items: list[Any] = written if isinstance(written, list) else []
        return [as_written(item, items[i] if i < len(items) else None)
                for i, item in enumerate(live)]
    return live
