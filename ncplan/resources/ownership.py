"""The ownership mark: which state wrote an object. Pure.

Every object ncplan writes carries the lineage of the state that records it:

* a Nomad job: ``Meta["ncplan_lineage"] = LINEAGE``;
* a ``service-defaults`` entry: ``Meta["ncplan-lineage"] = LINEAGE``;
* an intention source: its destination's ``service-intentions`` entry lists the sources
  each lineage owns, ``Meta["ncplan-lineage-LINEAGE"] = "api,web"`` (Consul's Meta keys
  allow letters, digits, ``-`` and ``_``; source names may be ``*``, so they are values);
* a sidecar identity's token and variable belong to their job: their owner is the owner
  of ``nomad_job.NAME`` (a token has no Meta, a variable's items are secret-only).

:func:`job_owner`, :func:`entry_owner` and :func:`source_owner` read the mark back
(``None``: no mark, made outside ncplan or written before marks existed); the
``with_*`` functions put it into a body about to be written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

JOB_MARK = "ncplan_lineage"
ENTRY_MARK = "ncplan-lineage"
SOURCES_PREFIX = "ncplan-lineage-"


def _meta(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    meta = body.get("Meta") if body is not None else None
    return meta if isinstance(meta, Mapping) else {}


def job_owner(job: Mapping[str, Any] | None) -> str | None:
    owner = _meta(job).get(JOB_MARK)
    return owner if isinstance(owner, str) and owner else None


def entry_owner(entry: Mapping[str, Any] | None) -> str | None:
    owner = _meta(entry).get(ENTRY_MARK)
    return owner if isinstance(owner, str) and owner else None


def owned_sources(entry: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """A ``service-intentions`` entry's marks: lineage -> the source names it owns."""
    found: dict[str, frozenset[str]] = {}
    for key, value in _meta(entry).items():
        if isinstance(key, str) and key.startswith(SOURCES_PREFIX) and isinstance(value, str):
            found[key[len(SOURCES_PREFIX):]] = frozenset(v for v in value.split(",") if v)
    return found


def source_owner(entry: Mapping[str, Any] | None, source: str) -> str | None:
    """The lineage that owns intention source ``source`` of ``entry`` (the first in
    lineage order, should two lists name it)."""
    return next((lineage for lineage, sources in sorted(owned_sources(entry).items())
                 if source in sources), None)


def with_job_mark(job: Mapping[str, Any], lineage: str) -> dict[str, Any]:
    """``job`` with ``Meta[ncplan_lineage]`` set (its other Meta kept)."""
    return {**job, "Meta": {**_meta(job), JOB_MARK: lineage}}


def with_entry_mark(entry: Mapping[str, Any], lineage: str) -> dict[str, Any]:
    """A whole config entry with ``Meta[ncplan-lineage]`` set (its other Meta kept)."""
    return {**entry, "Meta": {**_meta(entry), ENTRY_MARK: lineage}}


def with_sources_mark(entry: Mapping[str, Any], lineage: str,
                      sources: Iterable[str]) -> dict[str, Any]:
    """A ``service-intentions`` entry whose Meta says ``lineage`` owns ``sources`` (no
    key when it owns none); every other key kept, and no other lineage lists them."""
    mine = sorted(set(sources))
    meta = {}
    for key, value in _meta(entry).items():
        if key == SOURCES_PREFIX + lineage:
            continue
        if key.startswith(SOURCES_PREFIX) and isinstance(value, str):
            rest = [v for v in value.split(",") if v and v not in mine]
            if rest:
                meta[key] = ",".join(rest)
            continue
        meta[key] = value
    if mine:
        meta[SOURCES_PREFIX + lineage] = ",".join(mine)
    result = {k: v for k, v in entry.items() if k != "Meta"}
    if meta:
        result["Meta"] = meta
    return result


def without_marks(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A Meta map without the ownership marks (what the user set)."""
    return {k: v for k, v in meta.items()
            if k not in (JOB_MARK, ENTRY_MARK) and not str(k).startswith(SOURCES_PREFIX)}
