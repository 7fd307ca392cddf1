"""``consul_intention``: one source of a destination's ``service-intentions`` entry.

Consul keeps every intention toward a destination in one config entry; ncplan manages
some of its ``Sources`` and must keep the others (written by hand, by the UI, by another
tool). So every write is a read-modify-write of the whole entry under check-and-set:

* :meth:`ConsulIntentions.upsert_source` puts one source (replacing the source of the
  same name) and keeps every other source; ``cas_index`` 0 creates the entry, with no
  read first (``?cas=0`` creates only: an entry made since the plan loses the write).
* :meth:`ConsulIntentions.remove_source` takes one source out; removing the last source
  deletes the entry (``DELETE ...?cas=``).

The entry's ModifyIndex must still be the ``cas_index`` the plan saw, else
:class:`~ncplan.errors.CheckAndSetConflict` (``consul_intention.web:db changed since
the plan (index 41 -> 45); run plan again``), and nothing is written. Both return the
entry's new ModifyIndex, read back after the write (the write answers only true/false).

Consul 1.14 answers ``true`` to a write of an entry identical to the stored one whatever
``?cas`` says, and writes nothing: callers must not write a source that did not change
(the planner plans it as a no-op). :meth:`upsert_source` also checks: an unchanged
source sends nothing and returns the current index.

Consul re-sorts ``Sources`` by precedence and adds fields of its own to each
(``Precedence``, ``Type``; ``LegacyID``/``LegacyMeta``/``LegacyCreateTime``/
``LegacyUpdateTime`` for intentions made through the old API), so sources are matched by
name, never by position, and Consul's computed fields are dropped before a write (it
refuses ``Legacy*`` fields in a config-entry write and recomputes ``Precedence``).

Also here, since only intentions need them: :meth:`ConsulIntentions.mesh_policy` (what
the mesh does with a connection no intention matches) and
:meth:`ConsulIntentions.catalog_services`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ncplan.address import intention_address
from ncplan.errors import ProviderError
from ncplan.providers.consul_config import (
    ENTRY_SERVER_FIELDS,
    ConfigEntries,
    ConfigEntryReads,
    conflict,
    consul_client,
    entry_index,
)
from ncplan.providers.live import LiveIntentions, MeshPolicy
from ncplan.resources.ownership import owned_sources, with_sources_mark
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy, refusals_at

KIND = "service-intentions"
# Fields Consul computes for each source: never sent back in a write.
SOURCE_SERVER_FIELDS = frozenset({"Precedence", "LegacyID", "LegacyMeta",
                                  "LegacyCreateTime", "LegacyUpdateTime"})


# ---------------------------------------------------------------- parsing (no I/O)

def parse_intentions(destination: str, payload: Mapping[str, Any]) -> LiveIntentions:
    """``GET /v1/config/service-intentions/DST``'s answer as :class:`LiveIntentions`."""
    index = entry_index(KIND, destination, payload)
    sources = payload.get("Sources")
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise ProviderError(f"Consul GET /v1/config/{KIND}/{destination} answered Sources "
                            f"that are not a list of objects: {sources!r}")
    return LiveIntentions(destination=destination, body=payload, modify_index=index)


def parse_mesh_policy(agent_self: Mapping[str, Any]) -> MeshPolicy:
    """``GET /v1/agent/self``: ``DebugConfig.ACLsEnabled`` and
    ``DebugConfig.ACLResolverSettings.ACLDefaultPolicy`` (Consul 1.14)."""
    debug = agent_self.get("DebugConfig")
    resolver = debug.get("ACLResolverSettings") if isinstance(debug, dict) else None
    enabled = debug.get("ACLsEnabled") if isinstance(debug, dict) else None
    policy = resolver.get("ACLDefaultPolicy") if isinstance(resolver, dict) else None
    if not isinstance(enabled, bool) or policy not in ("allow", "deny"):
        raise ProviderError("Consul GET /v1/agent/self answered no DebugConfig.ACLsEnabled "
                            "and DebugConfig.ACLResolverSettings.ACLDefaultPolicy: cannot "
                            "tell whether the mesh denies by default")
    return MeshPolicy(acl_enabled=enabled, acl_default_policy=policy)


def mesh_policy_when_forbidden(default_policy_header: str | None) -> MeshPolicy:
    """A 403 to ``/v1/agent/self`` (the token lacks ``agent:read``): ACLs are on, since
    only ACLs refuse; the default policy is the ``X-Consul-Default-Acl-Policy`` header
    Consul adds to every answer."""
    if default_policy_header not in ("allow", "deny"):
        raise ProviderError("Consul refused GET /v1/agent/self (403) and its answer has no "
                            "X-Consul-Default-Acl-Policy header: cannot tell whether the "
                            "mesh denies by default",
                            hint="set CONSUL_HTTP_TOKEN to a token with agent:read")
    return MeshPolicy(acl_enabled=True, acl_default_policy=default_policy_header)


def parse_catalog_services(payload: Mapping[str, Any]) -> frozenset[str]:
    """``GET /v1/catalog/services`` (``{name: [tags]}``) as the set of names.

    Under ACLs Consul filters it silently: a token without ``service:read`` gets ``{}``."""
    return frozenset(payload)


def source_key(source: Mapping[str, Any]) -> tuple[str, str]:
    """What makes a source unique in an entry (open-source Consul): name and peer."""
    return str(source.get("Name", "")), str(source.get("Peer") or "")


def writable_source(source: Mapping[str, Any]) -> dict[str, Any]:
    """A source without the fields Consul computes."""
    return {k: v for k, v in source.items() if k not in SOURCE_SERVER_FIELDS}


def entry_to_write(destination: str, live: LiveIntentions | None,
                   sources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The entry body for a write: the live entry's own fields, with ``sources``."""
    base = {} if live is None else {k: v for k, v in live.body.items()
                                    if k not in ENTRY_SERVER_FIELDS}
    return {**base, "Kind": KIND, "Name": destination,
            "Sources": [writable_source(s) for s in sources]}


def with_source(live: LiveIntentions | None,
                source: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    """The live sources with ``source`` put in (replacing the one of the same key)."""
    return with_source_in(live.sources if live else (), source)


def with_source_in(sources: Sequence[Mapping[str, Any]],
                   source: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    """``sources`` with ``source`` put in (replacing the one of the same key)."""
    kept = tuple(s for s in sources if source_key(s) != source_key(source))
    return (*kept, source)


def without_source(live: LiveIntentions, name: str) -> tuple[Mapping[str, Any], ...]:
    """The live sources without the (local) source ``name``."""
    return without_sources(live.sources, [name])


def without_sources(sources: Sequence[Mapping[str, Any]],
                    names: Iterable[str]) -> tuple[Mapping[str, Any], ...]:
    """``sources`` without the (local) sources ``names``."""
    gone = {(name, "") for name in names}
    return tuple(s for s in sources if source_key(s) not in gone)


def same_sources(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]]) -> bool:
    """Whether two source lists hold the same sources, in any order, ignoring Consul's
    computed fields (``Type`` defaults to ``consul``)."""
    def norm(sources: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = [{"Type": "consul", **writable_source(s)} for s in sources]
        return sorted(out, key=lambda s: repr(sorted(s.items())))
    return norm(a) == norm(b)


# ---------------------------------------------------------------- the provider

class ConsulIntentions(ConfigEntryReads[LiveIntentions]):
    """Reads and check-and-set writes of intentions on one Consul (and datacenter): an
    entry is read by its destination, every source included."""

    def __init__(self, settings: ConsulHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.client = consul_client(settings, timeout=timeout, retry=retry)
        super().__init__(ConfigEntries(self.client), KIND, parse_intentions)

    def upsert_source(self, destination: str, source_body: Mapping[str, Any],
                      cas_index: int, *, owner: str = "") -> int:
        """Put ``source_body`` (a ``Sources[]`` entry) into the destination's entry, keeping
        every other source; ``cas_index`` is the entry's ModifyIndex the plan saw (0: the
        entry did not exist); ``owner``: the lineage whose list of sources in the entry's
        Meta gets this one. Returns the entry's ModifyIndex after the write."""
        return self.upsert_sources(destination, [source_body], cas_index, owner=owner)

    def upsert_sources(self, destination: str, source_bodies: Sequence[Mapping[str, Any]],
                       cas_index: int, *, owner: str = "") -> int:
        """:meth:`upsert_source` of several sources at once: one read (none to create),
        one check-and-set write of the entry with all of them."""
        address = ", ".join(intention_address(str(body.get("Name")), destination)
                            for body in source_bodies)
        with refusals_at(address):
            return self._upsert(address, destination, source_bodies, cas_index, owner)

    def _upsert(self, address: str, destination: str,
                source_bodies: Sequence[Mapping[str, Any]], cas_index: int, owner: str) -> int:
        # creating (the plan saw no entry): nothing to keep, so no read first; ``cas=0``
        # creates only, and an entry made meanwhile makes the write answer false
        live = None if cas_index == 0 else self._read_at(address, destination, cas_index)
        sources: tuple[Mapping[str, Any], ...] = live.sources if live else ()
        for body in source_bodies:
            sources = with_source_in(sources, body)
        entry = entry_to_write(destination, live, sources)
        if owner:
            mine = owned_sources(live.body if live else None).get(owner, frozenset())
            entry = with_sources_mark(entry, owner,
                                      {*mine, *(str(b.get("Name")) for b in source_bodies)})
        if live is not None and same_sources(sources, live.sources) \
                and entry.get("Meta") == live.body.get("Meta"):
            return live.modify_index  # an identical write would answer true, write nothing
        return self.entries.write(address, entry, cas_index)

    def remove_source(self, destination: str, source_name: str, cas_index: int, *,
                      owner: str = "") -> int:
        """Take source ``source_name`` out of the destination's entry (and out of the
        ``owner`` lineage's list in its Meta), keeping every other source; the last source
        out deletes the entry. Returns the entry's ModifyIndex after the write, 0 when the
        entry is gone (already gone counts as done)."""
        return self.remove_sources(destination, [source_name], cas_index, owner=owner)

    def remove_sources(self, destination: str, source_names: Sequence[str], cas_index: int,
                       *, owner: str = "") -> int:
        """:meth:`remove_source` of several sources at once: one read, one check-and-set
        write of the entry without them (a delete when no source is left)."""
        address = ", ".join(intention_address(n, destination) for n in source_names)
        with refusals_at(address):
            return self._remove(address, destination, source_names, cas_index, owner)

    def _remove(self, address: str, destination: str, source_names: Sequence[str],
                cas_index: int, owner: str) -> int:
        live = self._read_at(address, destination, cas_index, missing_ok=True)
        if live is None:
            return 0
        sources = without_sources(live.sources, source_names)
        if len(sources) == len(live.sources):
            return live.modify_index
        if not sources:
            if not self.entries.delete(KIND, destination, cas_index):
                raise conflict(address, cas_index, self.entries.index(KIND, destination))
            return 0
        entry = entry_to_write(destination, live, sources)
        if owner:
            mine = owned_sources(live.body).get(owner, frozenset())
            entry = with_sources_mark(entry, owner, mine - set(source_names))
        return self.entries.write(address, entry, cas_index)

    def mesh_policy(self) -> MeshPolicy:
        """Whether ACLs are on and their default policy, from the local agent's config
        (``agent:read``; without it, from the 403's header): with ACLs on and default
        ``deny``, Consul refuses every connection no allow intention covers."""
        answer = self.client.call("GET", "/v1/agent/self", accept=(200, 403))
        if answer.status == 403:
            header = next((value for name, value in answer.headers.items()
                           if name.lower() == "x-consul-default-acl-policy"), None)
            return mesh_policy_when_forbidden(header)
        return parse_mesh_policy(answer.json(dict))

    def catalog_services(self) -> frozenset[str]:
        """The names of the services registered in the datacenter's catalog."""
        return parse_catalog_services(
            self.client.call("GET", "/v1/catalog/services").json(dict))

    def _read_at(self, address: str, destination: str, cas_index: int, *,
                 missing_ok: bool = False) -> LiveIntentions | None:
        """The live entry, checked to be at ``cas_index`` (0: absent) before any write."""
        live = self.read(destination)
        now = None if live is None else live.modify_index
        if live is None and (cas_index == 0 or missing_ok):
            return None
        if now != cas_index:
            raise conflict(address, cas_index, now)
        return live
