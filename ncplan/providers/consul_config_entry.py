"""``consul_config_entry``: config entries of any kind, from entry files.

ncplan owns such an entry whole: :meth:`ConsulConfigEntries.write` with ``cas_index`` 0
creates, with the ModifyIndex the plan saw replaces; :meth:`ConsulConfigEntries.delete`
deletes under the same check. Every entry of one Consul kind comes from one list request
(``GET /v1/config/:kind``), :meth:`ConsulConfigEntries.read_kind`.

Consul 1.14 facts seen on the dev agent (tests/integration/test_consul_entry_kind.py):
the ``mesh`` entry is answered without a ``Name`` (its name is ``mesh``) and its
``DELETE`` answers ``{}`` instead of ``true``; ``Meta`` stays top-level for every kind,
``proxy-defaults`` and ``mesh`` included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ncplan.address import config_entry_address
from ncplan.errors import ProviderError
from ncplan.providers.consul_config import (
    ENTRY_SERVER_FIELDS,
    ConfigEntries,
    acl_filtered,
    conflict,
    consul_client,
    entry_index,
    entry_path,
)
from ncplan.providers.listed import Listed
from ncplan.providers.live import LiveConfigEntry
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy, refusals_at

MESH = "mesh"  # the mesh entry's only name, which Consul leaves out of its answers


def split_key(key: str) -> tuple[str, str]:
    """``service-splitter.api`` -> ``("service-splitter", "api")``."""
    kind, _, name = key.partition(".")
    return kind, name


def _named(kind: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    if kind == MESH and "Name" not in payload:
        return {**payload, "Name": MESH}
    return payload


def parse_entry(kind: str, name: str, payload: Mapping[str, Any]) -> LiveConfigEntry:
    """Consul's answer for one entry as a :class:`LiveConfigEntry`."""
    body = _named(kind, payload)
    return LiveConfigEntry(kind=kind, name=name, body=body,
                           modify_index=entry_index(kind, name, body))


def entry_to_write(kind: str, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as a write: Kind and Name set (none for ``mesh``), indexes dropped."""
    entry = {k: v for k, v in body.items() if k not in ENTRY_SERVER_FIELDS}
    entry["Kind"] = kind
    if kind == MESH:
        entry.pop("Name", None)
    else:
        entry["Name"] = name
    return entry


class ConsulConfigEntries:
    """Reads and check-and-set writes of config entries on one Consul (and datacenter)."""

    def __init__(self, settings: ConsulHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.entries = ConfigEntries(consul_client(settings, timeout=timeout, retry=retry))

    def read(self, key: str) -> LiveConfigEntry | None:
        kind, name = split_key(key)
        payload = self.entries.get(kind, name)
        return None if payload is None else parse_entry(kind, name, payload)

    def read_kind(self, kind: str) -> Listed[LiveConfigEntry]:
        """Every entry of ``kind``, by ``KIND.NAME`` (one list request)."""
        path = f"/v1/config/{kind}"
        answer = self.entries.client.call("GET", path)
        found: Listed[LiveConfigEntry] = Listed(
            partial=acl_filtered(self.entries.client, answer))
        for payload in [] if answer.text.strip() == "null" else answer.json(list):
            if not isinstance(payload, dict):
                raise ProviderError(f"Consul GET {path} answered an entry that is not an object")
            body = _named(kind, payload)
            if not isinstance(body.get("Name"), str):
                raise ProviderError(f"Consul GET {path} answered an entry without a Name")
            entry = parse_entry(kind, str(body["Name"]), body)
            found[entry.key] = entry
        return found

    def read_kinds(self, kinds: Iterable[str]) -> Listed[LiveConfigEntry]:
        """Every entry of each of ``kinds``, one list request per kind (partial when
        any of them was)."""
        lists = [self.read_kind(kind) for kind in sorted(set(kinds))]
        return Listed(((key, entry) for found in lists for key, entry in found.items()),
                      partial=any(found.partial for found in lists))

    def list_indexes(self, kinds: Iterable[str]) -> Listed[int]:
        """Every entry of ``kinds``, by ``KIND.NAME``, with its ModifyIndex."""
        entries = self.read_kinds(kinds)
        return Listed(((key, entry.modify_index) for key, entry in entries.items()),
                      partial=entries.partial)

    def write(self, key: str, body: Mapping[str, Any], cas_index: int) -> int:
        """Create (``cas_index`` 0) or replace the entry; returns its new ModifyIndex."""
        kind, name = split_key(key)
        address = config_entry_address(kind, name)
        with refusals_at(address):
            if not self.entries.put(entry_to_write(kind, name, body), cas_index):
                raise conflict(address, cas_index, self.entries.index(kind, name)
                               if kind != MESH else self._index(key))
            index = self._index(key)
        if index is None:
            raise ProviderError(f"{address}: Consul accepted the write but the entry is gone "
                                "on the read that followed (deleted meanwhile?)")
        return index

    def _index(self, key: str) -> int | None:
        live = self.read(key)
        return None if live is None else live.modify_index

    def delete(self, key: str, cas_index: int) -> None:
        """Delete the entry if its ModifyIndex is still ``cas_index`` (already gone: done)."""
        kind, name = split_key(key)
        address = config_entry_address(kind, name)
        with refusals_at(address):
            answer = self.entries.client.call("DELETE", entry_path(kind, name),
                                              params={"cas": str(cas_index)})
            now = self._index(key)
        if now is None:
            return
        if answer.text.strip() in ("false", "true"):
            raise conflict(address, cas_index, now)
        raise ProviderError(f"{address}: Consul answered DELETE with {answer.text.strip()!r} "
                            "and the entry is still there")
