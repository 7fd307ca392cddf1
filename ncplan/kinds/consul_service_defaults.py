"""``consul_service_defaults``: a service's ``service-defaults`` config entry.

* lowering: :func:`ncplan.resources.desired.service_defaults_body` (a ``service`` block's
  protocol);
* reading: ``GET /v1/config/service-defaults/:name``, every entry at once by
  ``GET /v1/config/service-defaults``;
* comparing: the keys ncplan sets, the live entry projected onto them;
* writing and deleting: the whole entry with ``?cas=`` (a delete at index 0, seen absent,
  too: Consul answers ``DELETE ?cas=0`` of an existing entry with false);
* ownership: the lineage in the entry's ``Meta``; import marks the live entry.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ncplan.address import Address
from ncplan.kinds.base import (
    ABSENT,
    EntryReads,
    Kind,
    LiveView,
    Owner,
    Verdict,
    WriteRequest,
    WriteResult,
    check_index,
    plain_body,
)
from ncplan.kinds.compare import entry_verdict, plain_drift, whole_view
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveServiceDefaults, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.ownership import entry_owner, with_entry_mark
from ncplan.state.model import ResourceState

NAME: Final = "consul_service_defaults"


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    after = plain_body(desired, refreshed)
    return entry_verdict(recorded, after, refreshed.service_defaults.get(desired.name))


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    return whole_view(recorded, refreshed.service_defaults.get(address.name))


def owner(address: Address, refreshed: Refreshed) -> Owner:
    entry = refreshed.service_defaults.get(address.name)
    return ABSENT if entry is None else Owner(True, entry_owner(entry.body))


class ServiceDefaultsWriter:
    """The whole entry, written or deleted with ``?cas=``, carrying the mark ``lineage``."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.defaults = providers.service_defaults
        self.lineage = lineage

    def write(self, request: WriteRequest) -> WriteResult:
        body = request.body or {}
        if self.lineage:
            body = with_entry_mark(body, self.lineage)
        return WriteResult(self.defaults.write(request.name, body, request.observed_index))

    def delete(self, request: WriteRequest) -> None:
        # index 0 (seen absent) too: Consul answers DELETE ?cas=0 of an entry that
        # exists with false and deletes nothing, so the provider raises the conflict
        self.defaults.delete(request.name, request.observed_index)


def mark_live(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """The live entry written again with its ``Meta`` marked, while still at ``index``."""
    defaults = providers.service_defaults.read(address.name)
    if defaults is None or entry_owner(defaults.body) == lineage:
        return index
    check_index(str(address), index, defaults.modify_index)
    return providers.service_defaults.write(address.name,
                                            with_entry_mark(defaults.body, lineage), index)


_READS: EntryReads[LiveServiceDefaults] = EntryReads(
    lambda providers: providers.service_defaults)

KIND: Kind[LiveServiceDefaults] = Kind(
    name=NAME,
    read_one=_READS.one,
    read_all=_READS.indexes,
    list_objects=_READS.objects,
    live_of=lambda refreshed: refreshed.service_defaults,
    with_live=lambda refreshed, entries: replace(refreshed, service_defaults=entries),
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=ServiceDefaultsWriter,
    mark_live=mark_live,
    drift=plain_drift,
    import_where="in Consul's service-defaults",
)
