"""What ncplan manages of a live object: the rest is the server's, never a change. Pure.

Nomad and Consul answer with far more than ncplan sent: Nomad fills in Namespace,
Region, the Update/Restart/Reschedule/Migrate defaults, indexes, Version, Status,
SubmitTime, Stable, and injects ports and tasks; Consul adds CreateIndex, ModifyIndex,
and to each intention source Precedence, Type, LegacyID and re-sorts the sources.
:func:`project` keeps of a live value only the keys the desired (or recorded) value
sets, matching lists of named objects by name, so ``before`` and ``after`` show only
what ncplan sets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ncplan.resources.plain import is_mapping, plain

#: Keys that name an object inside a list (TaskGroups, Tasks, Services by ``Name``,
#: ports by ``Label``, Connect upstreams by ``DestinationName``).
NAME_KEYS = ("Name", "Label", "DestinationName")

#: Job keys the server owns (indexes, versions, status) or fills in: Namespace and Region
#: (the job's place, never changed in place), the job-level Update block (Nomad moves it
#: into each group). A parsed raw job carries them all, zeroed.
SERVER_JOB_KEYS = frozenset({
    "CreateIndex", "ModifyIndex", "JobModifyIndex", "Version", "Stable", "Stop", "Status",
    "StatusDescription", "SubmitTime", "Dispatched", "Namespace", "Region", "Update",
})

#: The keys of an intention source that ncplan manages.
INTENTION_KEYS = ("Name", "Action", "Permissions", "Description")


def item_name(item: Any) -> str | None:
    if is_mapping(item):
        for key in NAME_KEYS:
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _project_list(live: Sequence[Any], desired: Sequence[Any]) -> list[Any]:
    names = [item_name(item) for item in desired]
    if desired and None not in names and len(set(names)) == len(names):
        by_name = {item_name(item): item for item in live}
        return [project(by_name[name], item) for name, item in zip(names, desired, strict=True)
                if name in by_name]
    projected = [project(item, want) for item, want in zip(live, desired, strict=False)]
    return projected + [plain(item) for item in live[len(desired):]]


def project(live: Any, desired: Any) -> Any:
    """``live`` reduced to the shape of ``desired``: its keys, its named list items."""
    if is_mapping(live) and is_mapping(desired):
        return {str(k): project(live[k], v) for k, v in desired.items() if k in live}
    if _is_list(live) and _is_list(desired):
        return _project_list(live, desired)
    return plain(live)


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def job_view(job: Mapping[str, Any]) -> dict[str, Any]:
    """A desired Job as ncplan shows it: without the server's keys and the unset values
    (a parsed raw job has every field, most of them null or empty)."""
    result: dict[str, Any] = _clean({k: v for k, v in job.items() if k not in SERVER_JOB_KEYS})
    return result


def _clean(value: Any) -> Any:
    """Drop what an API reports as "unset": ``None``, ``""``, empty lists and maps."""
    if is_mapping(value):
        cleaned = {str(k): _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if _is_list(value):
        return [_clean(v) for v in value]
    return value


def managed_source(source: Mapping[str, Any]) -> dict[str, Any]:
    """An intention source's managed keys (Consul's Precedence, Type, LegacyID... dropped)."""
    result: dict[str, Any] = _clean({k: source[k] for k in INTENTION_KEYS if k in source})
    return result
