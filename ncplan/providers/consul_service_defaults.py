"""``consul_service_defaults``: a service's ``service-defaults`` config entry.

ncplan owns the whole entry, so a write replaces it: :meth:`ConsulServiceDefaults.write`
with ``cas_index`` 0 creates, with the ModifyIndex the plan saw updates;
:meth:`ConsulServiceDefaults.delete` deletes under the same check. A lost check-and-set
raises :class:`~ncplan.errors.CheckAndSetConflict` naming the address and both indexes.

Consul 1.14 answers ``true`` to a write of an entry identical to the stored one whatever
``?cas`` says, and writes nothing: callers must not write an entry that did not change
(the planner plans it as a no-op). Nothing is lost if they do (the entry already holds
the body), and the index returned is read back, so it is the real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.address import service_defaults_address
from ncplan.providers.consul_config import (
    ENTRY_SERVER_FIELDS,
    ConfigEntries,
    ConfigEntryReads,
    conflict,
    consul_client,
    entry_index,
)
from ncplan.providers.live import LiveServiceDefaults
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy, refusals_at

KIND = "service-defaults"


def parse_service_defaults(name: str, payload: Mapping[str, Any]) -> LiveServiceDefaults:
    """``GET /v1/config/service-defaults/NAME``'s answer as :class:`LiveServiceDefaults`."""
    return LiveServiceDefaults(name=name, body=payload,
                               modify_index=entry_index(KIND, name, payload))


def entry_to_write(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as a write: Kind and Name set, Consul's indexes dropped."""
    return {**{k: v for k, v in body.items() if k not in ENTRY_SERVER_FIELDS},
            "Kind": KIND, "Name": name}


class ConsulServiceDefaults(ConfigEntryReads[LiveServiceDefaults]):
    """Reads and check-and-set writes of service-defaults on one Consul (and datacenter)."""

    def __init__(self, settings: ConsulHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        entries = ConfigEntries(consul_client(settings, timeout=timeout, retry=retry))
        super().__init__(entries, KIND, parse_service_defaults)

    def write(self, name: str, body: Mapping[str, Any], cas_index: int) -> int:
        """Create (``cas_index`` 0) or replace the entry; returns its new ModifyIndex."""
        address = service_defaults_address(name)
        with refusals_at(address):
            return self.entries.write(address, entry_to_write(name, body), cas_index)

    def delete(self, name: str, cas_index: int) -> None:
        """Delete the entry if its ModifyIndex is still ``cas_index`` (already gone: done)."""
        with refusals_at(service_defaults_address(name)):
            if self.entries.delete(KIND, name, cas_index):
                return
            now = self.entries.index(KIND, name)
        if now is not None:
            raise conflict(service_defaults_address(name), cas_index, now)
