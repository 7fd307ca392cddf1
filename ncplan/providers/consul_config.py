"""Consul config entries over ``/v1/config``: read, check-and-set write and delete.

The I/O shared by the ``service-intentions`` and ``service-defaults`` providers, through
the one HTTP policy (:mod:`ncplan.transport.http`: timeouts, retries, error mapping); the
datacenter of the ``consul`` block rides on every request as the client's ``dc``.

Consul 1.14 facts this module is built on (recorded in tests/unit/providers/recorded/):

* ``GET /v1/config/KIND/NAME`` answers 404 for a missing entry.
* ``PUT /v1/config?cas=N`` answers ``true`` or ``false`` (a lost check-and-set is a 200
  ``false``, not an error status); ``cas=0`` creates only. An entry Consul refuses
  (``Sources[0].LegacyMeta must be omitted``) answers 500.
* **A write of an entry identical to the stored one answers ``true`` whatever ``cas``
  says and writes nothing** (ModifyIndex unchanged): ``true`` does not prove a write
  happened, so callers compare before writing.
* ``DELETE /v1/config/KIND/NAME?cas=N`` answers ``true`` or ``false``; ``true`` for an
  entry that does not exist, whatever ``cas`` says.
* Neither write answers the new ModifyIndex: it is read back after the write.
* ``GET /v1/discovery-chain/SERVICE`` answers the chain Consul compiles from every entry
  (``Chain.Nodes``: routers, splitters with each split's ``Weight`` and ``NextNode``,
  resolvers with their ``Target`` such as ``v1.api.default.default.dc1``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers.listed import Listed, filtered_by_acls
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    Answer,
    Api,
    HttpClient,
    RetryPolicy,
)

E = TypeVar("E")

# Fields Consul adds to every entry it returns: never sent back in a write.
ENTRY_SERVER_FIELDS = frozenset({"CreateIndex", "ModifyIndex"})


def consul_client(settings: ConsulHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                  retry: RetryPolicy = DEFAULT_RETRY) -> HttpClient:
    """An :class:`HttpClient` for this Consul, with the block's datacenter on every request."""
    api = Api("Consul", settings.address, "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN",
              "CONSUL_CACERT", has_token=settings.token is not None,
              ca_file=settings.ca_cert)
    params = {"dc": settings.datacenter} if settings.datacenter else {}
    return HttpClient(api, settings.session(), timeout=timeout, retry=retry,
                      default_params=params)


def acl_filtered(client: HttpClient, answer: Answer) -> bool:
    """Whether ACLs may have left objects out of ``answer``, a list ``client`` asked for."""
    return filtered_by_acls(answer.headers, anonymous=not client.api.has_token)


def entry_path(kind: str, name: str) -> str:
    return f"/v1/config/{kind}/{quote(name, safe='')}"


def entry_index(kind: str, name: str, payload: Mapping[str, Any]) -> int:
    """The ModifyIndex of a config entry Consul returned, checked to be the one asked for."""
    where = f"Consul GET {entry_path(kind, name)}"
    if payload.get("Kind") != kind or payload.get("Name") != name:
        raise ProviderError(f"{where} answered an entry of kind {payload.get('Kind')!r} "
                            f"named {payload.get('Name')!r}, expected {kind!r} {name!r}")
    index = payload.get("ModifyIndex")
    if not isinstance(index, int) or isinstance(index, bool) or index < 1:
        raise ProviderError(f"{where} answered an entry without a valid ModifyIndex: "
                            f"{index!r}")
    return index


def chain_path(service: str) -> str:
    return f"/v1/discovery-chain/{quote(service, safe='')}"


def split_weights(chain: Mapping[str, Any]) -> dict[str, float]:
    """Target -> weight of every split in a compiled chain (``GET /v1/discovery-chain``),
    summed per target across splitters; empty when the chain splits nothing."""
    nodes = chain.get("Chain", {}).get("Nodes", {}) or {}
    weights: dict[str, float] = {}
    splitters = [node for node in nodes.values() if node.get("Type") == "splitter"]
    for node in splitters:
        for split in node.get("Splits") or ():
            target = nodes.get(split.get("NextNode"), {}).get("Resolver", {}).get("Target")
            if isinstance(target, str):
                weights[target] = weights.get(target, 0.0) + float(split.get("Weight", 0))
    return weights


def conflict(address: str, expected: int, now: int | None) -> CheckAndSetConflict:
    """The error for a lost check-and-set: what the plan saw, what is there now."""
    if expected == 0:
        change = f"absent -> index {now}"
    else:
        change = f"index {expected} -> {'deleted' if now is None else now}"
    return CheckAndSetConflict(f"{address} changed since the plan ({change}); run plan again")


class ConfigEntries:
    """``/v1/config`` through one :class:`HttpClient` (a Consul client)."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The entry as Consul returns it, or ``None`` when there is none (404)."""
        answer = self.client.call("GET", entry_path(kind, name), accept=(200, 404))
        if answer.status == 404:
            return None
        return answer.json(dict)

    def list_entries(self, kind: str) -> Listed[dict[str, Any]]:
        """Every entry of ``kind`` as Consul returns it, by name: one
        ``GET /v1/config/:kind`` (filtered by what the token may read: then partial)."""
        path = f"/v1/config/{kind}"
        answer = self.client.call("GET", path)
        found: Listed[dict[str, Any]] = Listed(
            partial=acl_filtered(self.client, answer))
        entries = [] if answer.text.strip() == "null" else answer.json(list)
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
                raise ProviderError(f"Consul GET {path} answered an entry without a Name")
            found[entry["Name"]] = entry
        return found

    def list_indexes(self, kind: str) -> Listed[int]:
        """Every entry of ``kind``, by name, with its ModifyIndex (one list request)."""
        entries = self.list_entries(kind)
        return Listed(((name, entry_index(kind, name, entry))
                       for name, entry in entries.items()), partial=entries.partial)

    def index(self, kind: str, name: str) -> int | None:
        """The entry's ModifyIndex now, ``None`` when it does not exist."""
        entry = self.get(kind, name)
        return None if entry is None else entry_index(kind, name, entry)

    def put(self, entry: Mapping[str, Any], cas: int) -> bool:
        """``PUT /v1/config?cas=``: ``False`` when the check-and-set lost.

        ``True`` also answers a write of an identical entry, which writes nothing.
        """
        answer = self.client.call("PUT", "/v1/config", params={"cas": str(cas)},
                                  body=dict(entry))
        return answer.json(bool)

    def write(self, address: str, entry: Mapping[str, Any], cas: int) -> int:
        """:meth:`put` ``entry`` for the resource ``address``; its ModifyIndex read back
        after the write. A lost check-and-set raises :func:`conflict`."""
        kind, name = str(entry["Kind"]), str(entry["Name"])
        if not self.put(entry, cas):
            raise conflict(address, cas, self.index(kind, name))
        index = self.index(kind, name)
        if index is None:
            raise ProviderError(f"{address}: Consul accepted the write but the entry is gone "
                                "on the read that followed (deleted meanwhile?)")
        return index

    def discovery_chain(self, service: str) -> dict[str, Any]:
        """The discovery chain Consul compiles for ``service`` from every entry."""
        return self.client.call("GET", chain_path(service)).json(dict)

    def delete(self, kind: str, name: str, cas: int) -> bool:
        """``DELETE ...?cas=``: ``False`` when the check-and-set lost."""
        answer = self.client.call("DELETE", entry_path(kind, name), params={"cas": str(cas)})
        return answer.json(bool)


class ConfigEntryReads(Generic[E]):
    """The reads of one kind of config entry, each answer parsed into its live object:
    what the ``service-intentions`` and ``service-defaults`` providers share."""

    def __init__(self, entries: ConfigEntries, kind: str,
                 parse: Callable[[str, Mapping[str, Any]], E]) -> None:
        self.entries, self.kind, self.parse = entries, kind, parse

    def read(self, name: str) -> E | None:
        """The entry ``name``, ``None`` when there is none."""
        payload = self.entries.get(self.kind, name)
        return None if payload is None else self.parse(name, payload)

    def list_indexes(self) -> Listed[int]:
        """Every entry of the kind, by name, with its ModifyIndex (one list request)."""
        return self.entries.list_indexes(self.kind)

    def read_every(self) -> Listed[E]:
        """Every entry of the kind, by name, whole (one list request)."""
        entries = self.entries.list_entries(self.kind)
        return Listed(((name, self.parse(name, payload)) for name, payload in entries.items()),
                      partial=entries.partial)
