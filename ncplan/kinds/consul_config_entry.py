"""``consul_config_entry``: a config entry of any kind, from a ``*.consul.hcl`` /
``*.consul.json`` file (``consul_config_entry.KIND.NAME``).

* lowering: :func:`ncplan.resources.desired.config_entry_resources` (the entry as written);
* reading: ``GET /v1/config/:kind/:name``; refresh lists every entry of each Consul kind
  the configuration or state holds in one ``GET /v1/config/:kind``;
* comparing: :func:`~ncplan.resources.entry_compare.same_entry` (no noise from the
  indexes, the defaults and the spelling Consul answers with), the live entry shown in
  the spelling of the file so a diff names only the fields that changed;
* writing and deleting: the whole entry with ``?cas=``;
* ownership: the lineage in the entry's ``Meta`` (top-level for every kind, proxy-defaults
  and mesh included, as Consul 1.14 keeps it); import marks the live entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

from ncplan.address import Address
from ncplan.errors import ProviderError, ProviderUnreachable
from ncplan.kinds.base import (
    ABSENT,
    Action,
    Drifted,
    Kind,
    LiveView,
    Owner,
    ReadContext,
    Round,
    Task,
    Verdict,
    WriteRequest,
    WriteResult,
    check_index,
)
from ncplan.kinds.compare import ADOPTED, DELETED, plain_body
from ncplan.providers.clients import Providers
from ncplan.providers.consul_config_entry import split_key
from ncplan.providers.live import LiveConfigEntry, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.entry_compare import as_written, same_entry, without_mark
from ncplan.resources.ownership import ENTRY_MARK, entry_owner, with_entry_mark
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState

NAME: Final = "consul_config_entry"


def _live(refreshed: Refreshed, key: str) -> LiveConfigEntry | None:
    return refreshed.config_entries.get(key)


def live_body(live: LiveConfigEntry, written: Mapping[str, Any]) -> dict[str, Any]:
    """The live entry without ncplan's mark, spelt as ``written`` spells it."""
    found: dict[str, Any] = as_written(without_mark(live.body, ENTRY_MARK), written)
    return found


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    after = plain_body(desired, refreshed)
    live = _live(refreshed, desired.typed_address.name)
    if live is None:
        return Verdict(Action.CREATE, after=after,
                       reason=DELETED if recorded is not None else "")
    before = live_body(live, after)
    action = Action.NOOP if same_entry(after, before) else Action.UPDATE
    reason = ADOPTED.format(where="Consul") if recorded is None else ""
    return Verdict(action, before=before, after=after, observed_index=live.modify_index,
                   reason=reason)


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    live = _live(refreshed, address.name)
    if live is None:
        return LiveView(None)
    return LiveView(live_body(live, recorded.attributes), live.modify_index)


def drift(recorded: ResourceState, live: LiveView, refreshed: object) -> Drifted | None:
    """Changed outside ncplan when Consul would not make the recorded entry the live one."""
    if live.body is None or same_entry(recorded.attributes, live.body):
        return None
    return Drifted(after=live.body)


def owner(address: Address, refreshed: Refreshed) -> Owner:
    live = _live(refreshed, address.name)
    return ABSENT if live is None else Owner(True, entry_owner(live.body))


class ConfigEntryWriter:
    """The whole entry, written or deleted with ``?cas=``, carrying the mark ``lineage``."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.providers = providers
        self.lineage = lineage

    def write(self, request: WriteRequest) -> WriteResult:
        body = plain(request.body or {})
        if self.lineage:
            body = with_entry_mark(body, self.lineage)
        return WriteResult(self.providers.entries.write(request.name, body,
                                                        request.observed_index))

    def delete(self, request: WriteRequest) -> None:
        self.providers.entries.delete(request.name, request.observed_index)


def mark_live(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """The live entry written again with its ``Meta`` marked, while still at ``index``."""
    live = providers.entries.read(address.name)
    if live is None or entry_owner(live.body) == lineage:
        return index
    check_index(str(address), index, live.modify_index)
    return providers.entries.write(address.name, with_entry_mark(live.body, lineage), index)


def _read(providers: Providers, key: str) -> LiveConfigEntry | None:
    return providers.entries.read(key)


def _read_all(providers: Providers) -> Mapping[str, int]:
    """Nothing without knowing the Consul kinds: the refresh lists each kind it needs in
    its own round (:func:`_rounds`); a saved plan's check reads each entry on its own."""
    return {}


def _listed_kind(providers: Providers, kind: str,
                 keys: Sequence[str]) -> Mapping[str, LiveConfigEntry | None]:
    """Every entry of ``kind`` from one list request, for ``keys``; each read on its own
    when the token may not list (401, 403), and each absent from a list ACLs filtered."""
    try:
        listed = providers.entries.read_kind(kind)
    except ProviderError as error:
        if error.status not in (401, 403) or isinstance(error, ProviderUnreachable):
            raise
        return {key: providers.entries.read(key) for key in keys}
    return {key: listed.get(key) if key in listed or not listed.partial
            else providers.entries.read(key) for key in keys}


def _rounds(kind: Kind[LiveConfigEntry], context: ReadContext,
            keys: Mapping[str, str]) -> Sequence[Round[Any]]:
    """One list request per Consul kind among ``keys`` (``KIND.NAME``)."""
    by_kind: dict[str, list[str]] = {}
    for key in keys:
        by_kind.setdefault(split_key(key)[0], []).append(key)
    providers = context.providers
    tasks = {consul_kind: Task(", ".join(keys[k] for k in found),
                               _list_call(providers, consul_kind, tuple(found)))
             for consul_kind, found in sorted(by_kind.items())}

    def store(refreshed: Refreshed,
              answers: Mapping[str, Mapping[str, LiveConfigEntry | None]]) -> Refreshed:
        found = {key: entry for one in answers.values() for key, entry in one.items()}
        return _with_live(refreshed, {key: found.get(key) for key in keys})
    return (Round(tasks, store),)


def _list_call(providers: Providers, consul_kind: str,
               keys: tuple[str, ...]) -> Any:
    return lambda: _listed_kind(providers, consul_kind, keys)


def _with_live(refreshed: Refreshed,
               entries: Mapping[str, LiveConfigEntry | None]) -> Refreshed:
    return replace(refreshed, config_entries=entries)


def _writer(providers: Providers, lineage: str) -> ConfigEntryWriter:
    return ConfigEntryWriter(providers, lineage)


KIND: Kind[LiveConfigEntry] = Kind(
    name=NAME,
    read_one=_read,
    read_all=_read_all,
    live_of=lambda refreshed: refreshed.config_entries,
    with_live=_with_live,
    index=lambda live: live.modify_index,
    planned_body=plain_body,
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=_writer,
    mark_live=mark_live,
    drift=drift,
    rounds=_rounds,
    import_where="in Consul's config entries",
)
