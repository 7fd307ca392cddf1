"""Nomad's answers about a rollout turned into :class:`DeploymentProgress`: pure, no I/O.

:mod:`ncplan.providers.nomad_deployment` asks Nomad (job versions, evaluations, the job's
deployment, its allocations) and hands each decoded body to one function here; unit
tests feed the same functions answers recorded from a real agent
(tests/record/record_deployments.py). ``where`` names the request, so a malformed answer
is a located :class:`ProviderError`, never a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ncplan.errors import ProviderError
from ncplan.providers.live import DeploymentProgress
from ncplan.providers.nomad_job_decoding import required_int, required_text

# Task event types that say why a task failed, most telling first (Nomad's
# structs.TaskDriverFailure, TaskSetupFailure, ...). "Not Restarting" and a non-zero
# "Terminated" come after them: they say that it stopped, these say why.
FAILURE_EVENTS = (
    "Driver Failure", "Setup Failure", "Failed Validation", "Failed Artifact Download",
    "Failed Restoring Task", "Task hook failed",
)
_TERMINAL_ALLOC = ("complete", "failed", "lost")
_DEPLOYMENT_DONE = {"successful": "successful", "failed": "failed", "cancelled": "failed"}


@dataclass(frozen=True)
class RegisteredJob:
    """The job version a registration made: what its rollout is measured against."""

    name: str
    version: int
    modify_index: int
    job_type: str  # "service" | "batch" | "system" | "sysbatch"
    desired: int  # the task groups' counts summed (0 for system jobs: one per node)


def registered_job(name: str, body: Mapping[str, Any], modify_index: int,
                   where: str) -> RegisteredJob | None:
    """``GET /v1/job/:id/versions`` -> the version whose JobModifyIndex is ``modify_index``
    (None when Nomad no longer keeps it)."""
    versions = body.get("Versions")
    if not isinstance(versions, list):
        raise ProviderError(f"{where}: the answer has no Versions list (got {versions!r})")
    for job in versions:
        if isinstance(job, Mapping) and job.get("JobModifyIndex") == modify_index:
            job_type = str(job.get("Type") or "service")
            groups = job.get("TaskGroups") or []
            desired = 0 if job_type in ("system", "sysbatch") else \
                sum(int(group.get("Count") or 0) for group in groups)
            return RegisteredJob(name, required_int(job, "Version", where), modify_index, job_type,
                                 desired)
    return None


def registration_eval(evals: Sequence[Any], modify_index: int,
                      where: str) -> Mapping[str, Any] | None:
    """``GET /v1/job/:id/evaluations`` -> the evaluation the registration made (the one
    with its JobModifyIndex), or None while Nomad has not created it."""
    for evaluation in evals:
        if not isinstance(evaluation, Mapping):
            raise ProviderError(f"{where}: expected evaluation objects, got {evaluation!r}")
        if evaluation.get("JobModifyIndex") == modify_index:
            return evaluation
    return None


def eval_pending(evaluation: Mapping[str, Any] | None) -> bool:
    """True while the registration's evaluation has not been processed yet."""
    return evaluation is None or evaluation.get("Status") == "pending"


def eval_failure(evaluation: Mapping[str, Any]) -> str:
    """Why the registration's evaluation itself failed ("" when it did not)."""
    if evaluation.get("Status") in ("failed", "canceled"):
        return str(evaluation.get("StatusDescription") or
                   f"evaluation {evaluation.get('Status')}")
    return ""


def placement_failure(evaluation: Mapping[str, Any]) -> str:
    """Why the scheduler could not place some allocations (the evaluation's
    ``FailedTGAllocs``), e.g. ``group "app" could not be placed: 1 node filtered by
    ${attr.kernel.name} = plan9``; "" when everything was placed."""
    failed = evaluation.get("FailedTGAllocs") or {}
    parts = []
    for group in sorted(failed):
        metric = failed[group] or {}
        why = [f"{_nodes(count)} filtered by {constraint}" for constraint, count
               in sorted((metric.get("ConstraintFiltered") or {}).items())]
        why += [f"{_nodes(count)} out of {dimension}" for dimension, count
                in sorted((metric.get("DimensionExhausted") or {}).items())]
        if not metric.get("NodesEvaluated"):
            why.append("no node is eligible (none in the job's datacenters and node pool)")
        elif not why:
            why.append(f"{_nodes(int(metric['NodesEvaluated']))} evaluated, none fits")
        parts.append(f'group "{group}" could not be placed: ' + ", ".join(why))
    return "; ".join(parts)


def _nodes(count: int) -> str:
    return f"{count} node" + ("" if count == 1 else "s")


def deployment_of(body: Any, job: RegisteredJob, where: str) -> Mapping[str, Any] | None:
    """``GET /v1/job/:id/deployment`` (an object or null) -> the deployment of exactly
    this registration, else None (batch jobs, no update block, or an older deployment)."""
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise ProviderError(f"{where}: expected a deployment object or null, got {body!r}")
    if body.get("JobModifyIndex") == job.modify_index and \
            body.get("JobVersion") == job.version:
        return body
    return None


def deployment_progress(job_name: str, body: Mapping[str, Any],
                        where: str) -> DeploymentProgress:
    """A deployment (``/v1/deployment/:id``) -> progress summed over its task groups."""
    groups = body.get("TaskGroups") or {}
    if not isinstance(groups, Mapping):
        raise ProviderError(f"{where}: TaskGroups is not an object (got {groups!r})")
    totals = {"DesiredTotal": 0, "PlacedAllocs": 0, "HealthyAllocs": 0, "UnhealthyAllocs": 0}
    for state in groups.values():
        for key in totals:
            totals[key] += int((state or {}).get(key) or 0)
    status = required_text(body, "Status", where)
    return DeploymentProgress(
        job_name=job_name,
        status=_DEPLOYMENT_DONE.get(status, "running"),
        desired=totals["DesiredTotal"], placed=totals["PlacedAllocs"],
        healthy=totals["HealthyAllocs"], unhealthy=totals["UnhealthyAllocs"],
        description=str(body.get("StatusDescription") or status),
    )


def allocations_progress(job: RegisteredJob, allocs: Sequence[Any],
                         where: str) -> DeploymentProgress:
    """A job's allocations (``/v1/job/:id/allocations``) -> progress of the registered
    version, for jobs without a deployment. Done when every wanted allocation runs (and
    is healthy where Nomad says) or completed; failed as soon as one failed or was lost."""
    mine = [a for a in _allocations(allocs, where)
            if a.get("JobVersion") == job.version and a.get("DesiredStatus") == "run"]
    ok = [a for a in mine if _alloc_ok(a)]
    bad = [a for a in mine if a.get("ClientStatus") in ("failed", "lost") or _unhealthy(a)]
    desired = job.desired if job.job_type not in ("system", "sysbatch") else len(mine)
    if bad:
        status, description = "failed", f"{len(bad)} allocation(s) failed"
    elif len(ok) >= desired and len(ok) == len(mine):
        status, description = "successful", "allocations running" if any(
            a.get("ClientStatus") == "running" for a in ok) else "allocations complete"
    else:
        status, description = "running", "allocations starting"
    return DeploymentProgress(
        job_name=job.name, status=status, desired=desired, placed=len(mine),
        healthy=len(ok), unhealthy=len(bad), description=description,
        reason=failure_reason(bad) if bad else "",
    )


def failure_reason(allocs: Sequence[Any]) -> str:
    """The most telling reason among allocations: the first failed (or unhealthy) one's
    task event, e.g. ``task "db": Driver Failure: failed to launch command ...``."""
    ranked = sorted(_allocations(allocs, "allocations"),
                    key=lambda a: (a.get("ClientStatus") != "failed", not _unhealthy(a)))
    for alloc in ranked:
        reason = allocation_reason(alloc)
        if reason:
            return reason
    return ""


def allocation_reason(alloc: Mapping[str, Any]) -> str:
    """One allocation's own reason: its most telling task event with the task's name,
    else its ClientDescription when it failed or was lost."""
    best: tuple[int, str, str] | None = None
    for task, state in sorted((alloc.get("TaskStates") or {}).items()):
        for event in (state or {}).get("Events") or []:
            rank = _event_rank(event)
            if rank is not None and (best is None or rank <= best[0]):
                best = (rank, task, _event_text(event))
    if best is not None:
        return f'task "{best[1]}": {best[2]}'
    if alloc.get("ClientStatus") in ("failed", "lost"):
        return str(alloc.get("ClientDescription") or f"allocation {alloc.get('ClientStatus')}")
    return ""


def still_running(allocs: Sequence[Any], where: str) -> int:
    """How many of a deregistered job's allocations have not stopped yet."""
    return sum(a.get("ClientStatus") not in _TERMINAL_ALLOC for a in _allocations(allocs, where))


def _event_rank(event: Mapping[str, Any]) -> int | None:
    """Lower is more telling; None for events that say nothing about a failure."""
    kind = str(event.get("Type") or "")
    if kind in FAILURE_EVENTS:
        return FAILURE_EVENTS.index(kind)
    if event.get("FailsTask"):
        return len(FAILURE_EVENTS)
    if kind == "Terminated" and int(event.get("ExitCode") or 0) != 0:
        return len(FAILURE_EVENTS) + 1
    if kind in ("Not Restarting", "Restarting"):
        return len(FAILURE_EVENTS) + 2
    return None


def _event_text(event: Mapping[str, Any]) -> str:
    kind = str(event.get("Type"))
    detail = next((str(event[key]) for key in ("DisplayMessage", "DriverError", "SetupError",
                                               "ValidationError", "DownloadError",
                                               "KillError", "Message")
                   if event.get(key)), "")
    return f"{kind}: {detail}" if detail else kind


def _alloc_ok(alloc: Mapping[str, Any]) -> bool:
    client = alloc.get("ClientStatus")
    healthy = (alloc.get("DeploymentStatus") or {}).get("Healthy")
    return client == "complete" or (client == "running" and healthy is not False)


def _unhealthy(alloc: Mapping[str, Any]) -> bool:
    return (alloc.get("DeploymentStatus") or {}).get("Healthy") is False


def _allocations(allocs: Sequence[Any], where: str) -> list[Mapping[str, Any]]:
    if not isinstance(allocs, Sequence) or isinstance(allocs, str | bytes):
        raise ProviderError(f"{where}: expected a list of allocations, got {allocs!r}")
    for alloc in allocs:
        if not isinstance(alloc, Mapping):
            raise ProviderError(f"{where}: expected allocation objects, got {alloc!r}")
    return list(allocs)

