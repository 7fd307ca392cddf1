"""Nomad's JSON answers turned into ncplan's live types: pure functions, no I/O.

:mod:`ncplan.providers.nomad_job` sends the requests and hands each decoded body to one
function here; unit tests feed the same functions answers recorded from a real agent.
``where`` names the request (``Nomad GET /v1/job/web``) so a malformed answer is a
located :class:`ProviderError`, never a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ncplan.errors import ProviderError
from ncplan.jsontypes import value_kind
from ncplan.providers.live import GroupAnnotation, LiveJob, NomadJobPlan, PlacementFailure

_ANNOTATION_FIELDS = {
    "place": "Place", "in_place_update": "InPlaceUpdate",
    "destructive_update": "DestructiveUpdate", "stop": "Stop", "migrate": "Migrate",
    "canary": "Canary", "ignore": "Ignore", "preemptions": "Preemptions",
}


def live_job(body: Mapping[str, Any], where: str) -> LiveJob:
    """``GET /v1/job/:id`` -> :class:`LiveJob`."""
    return LiveJob(
        name=required_text(body, "ID", where),
        body=body,
        modify_index=required_int(body, "JobModifyIndex", where),
        stopped=bool(body.get("Stop")),
        status=str(body.get("Status") or ""),
    )


def job_indexes(stubs: Sequence[Any], where: str) -> dict[str, int]:
    """``GET /v1/jobs``'s job stubs -> JobModifyIndex by job ID."""
    found: dict[str, int] = {}
    for stub in stubs:
        job = _as_mapping(stub, where)
        found[required_text(job, "ID", where)] = required_int(job, "JobModifyIndex", where)
    return found


def parsed_job(body: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``/v1/jobs/parse`` -> the Job object, after checking it names a job."""
    required_text(body, "ID", where)
    return dict(body)


def job_plan(job_name: str, body: Mapping[str, Any], where: str) -> NomadJobPlan:
    """``PUT /v1/job/:id/plan`` with ``Diff=true`` -> :class:`NomadJobPlan`."""
    diff = _mapping(body, "Diff", where)
    annotations = _mapping(body, "Annotations", where)
    updates = _mapping(annotations, "DesiredTGUpdates", where)
    failures = _mapping(body, "FailedTGAllocs", where)
    return NomadJobPlan(
        job_name=job_name,
        diff_type=required_text(diff, "Type", f"{where} Diff"),
        diff=diff,
        annotations=tuple(_annotation(group, _as_mapping(updates[group], where))
                          for group in sorted(updates)),
        failures=tuple(_failure(group, _as_mapping(failures[group], where))
                       for group in sorted(failures)),
        job_modify_index=required_int(body, "JobModifyIndex", where),
        warnings=str(body.get("Warnings") or ""),
    )


def register_index(body: Mapping[str, Any], where: str) -> int:
    """``PUT /v1/job/:id`` (register) -> the job's new JobModifyIndex."""
    return required_int(body, "JobModifyIndex", where)


def _annotation(group: str, counts: Mapping[str, Any]) -> GroupAnnotation:
    values = {name: int(counts.get(key) or 0) for name, key in _ANNOTATION_FIELDS.items()}
    return GroupAnnotation(group=group, **values)


def _failure(group: str, metric: Mapping[str, Any]) -> PlacementFailure:
    return PlacementFailure(
        group=group,
        nodes_evaluated=int(metric.get("NodesEvaluated") or 0),
        nodes_filtered=int(metric.get("NodesFiltered") or 0),
        nodes_exhausted=int(metric.get("NodesExhausted") or 0),
        nodes_available=_counts(metric.get("NodesAvailable")),
        constraint_filtered=_counts(metric.get("ConstraintFiltered")),
        class_filtered=_counts(metric.get("ClassFiltered")),
        dimension_exhausted=_counts(metric.get("DimensionExhausted")),
        coalesced_failures=int(metric.get("CoalescedFailures") or 0),
    )


def _counts(value: Any) -> dict[str, int]:
    return {str(key): int(count) for key, count in (value or {}).items()}


def _mapping(body: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """``body[key]`` as a mapping; absent or null is empty (Nomad omits empty maps)."""
    value = body.get(key)
    return {} if value is None else _as_mapping(value, f"{where} {key}")


def _as_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProviderError(f"{where}: expected a JSON object, got {value_kind(value)}")
    return value


def required_int(body: Mapping[str, Any], key: str, where: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProviderError(f"{where}: the answer has no numeric {key} (got {value!r})")
    return value


def required_text(body: Mapping[str, Any], key: str, where: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ProviderError(f"{where}: the answer has no {key} (got {value!r})")
    return value
