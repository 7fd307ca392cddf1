"""``nomad_job``: a Nomad job, from a ``service`` block or a raw ``job`` block.

* lowering: :func:`ncplan.resources.nomad_job.lower_service` (a service) and
  :func:`ncplan.resources.desired.raw_job_body` (a raw job, whose Job JSON Nomad parses in
  the refresh: :func:`parse_raw_job`);
* reading: ``GET /v1/job/:id``, every job at once by ``GET /v1/jobs``; the refresh also
  asks Nomad to plan each desired job and each recorded job that moved (its drift plan);
* comparing: Nomad's own plan decides (``Type: "None"`` is "nothing to do"), unless the
  job is absent, stopped or must be replaced (Namespace, Region or Type changes);
* writing: register with ``EnforceIndex`` at the planned JobModifyIndex (not at all when
  Nomad's plan changes nothing); delete: read, compare the index, deregister and purge;
* ownership: the lineage in the job's ``Meta``; import marks the live job as it stands;
* secrets: none of its own (the configuration's sensitive values are redacted as
  everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, Final

from ncplan.address import Address, job_address
from ncplan.config.model import RawJob
from ncplan.errors import CheckAndSetConflict, ProviderError, ProviderUnreachable
from ncplan.kinds.base import (
    ABSENT,
    Action,
    Drifted,
    Kind,
    LiveView,
    Owner,
    ProviderReads,
    ReadContext,
    Round,
    Task,
    Verdict,
    WriteRequest,
    WriteResult,
    check_index,
)
from ncplan.kinds.compare import ADOPTED, DELETED, STOPPED, differs, replace_reason
from ncplan.kinds.managed import job_view, project
from ncplan.kinds.secrets import holds_marker, restore
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveJob, NomadJobPlan, Refreshed
from ncplan.providers.parse_errors import locate
from ncplan.resources.desired import DesiredResource
from ncplan.resources.ownership import job_owner, with_job_mark
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState, State

NAME: Final = "nomad_job"
#: Job attributes that cannot change in place (a job's ID is its address).
REPLACE_KEYS = ("Namespace", "Region", "Type")


def replace_paths(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The job attributes forcing a replacement. ``Type`` defaults to ``service``; a
    Namespace or Region counts only when both sides name one."""
    paths = []
    for key in REPLACE_KEYS:
        old, new = before.get(key), after.get(key)
        if key == "Type":
            old, new = old or "service", new or "service"
        if old is not None and new is not None and old != new:
            paths.append(key)
    return tuple(paths)


def desired_body(desired: DesiredResource, refreshed: Refreshed | None) -> Mapping[str, Any]:
    """A raw ``job``'s Job JSON from Nomad's parse when refreshed, else the HCL view."""
    if desired.raw and refreshed is not None and desired.name in refreshed.parsed_jobs:
        return refreshed.parsed_jobs[desired.name]
    return desired.body


def planned_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    """The job without server keys and unset values (a raw job without a refresh: its
    HCL view, untouched)."""
    parsed = refreshed is not None and desired.name in refreshed.parsed_jobs
    if parsed or not desired.raw:
        return job_view(desired_body(desired, refreshed))
    result: dict[str, Any] = plain(desired.body)
    return result


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    """Nomad decides: its plan's diff type, unless the job is absent, stopped or replaced."""
    body = desired_body(desired, refreshed)
    after = planned_body(desired, refreshed)
    live = refreshed.jobs.get(desired.name)
    plan = refreshed.plans.get(desired.name)
    if live is None:
        return Verdict(Action.CREATE, after=after, nomad_plan=plan,
                       reason=DELETED if recorded is not None else "", body=plain(body))
    before = project(live.body, after)
    seen = replace(Verdict(Action.NOOP), before=before, after=after,
                   observed_index=live.modify_index, nomad_plan=plan, body=plain(body))
    paths = replace_paths(live.body, body)
    if paths:
        return replace(seen, action=Action.REPLACE, replace_paths=paths,
                       reason=replace_reason(paths))
    if live.stopped:
        return replace(seen, action=Action.UPDATE, reason=STOPPED)
    unchanged = plan.changes_nothing if plan is not None else not differs(before, after)
    reason = ADOPTED.format(where="Nomad") if recorded is None else ""
    return replace(seen, action=Action.NOOP if unchanged else Action.UPDATE, reason=reason)


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    live = refreshed.jobs.get(address.name)
    if live is None:
        return LiveView(None)
    return LiveView(project(live.body, recorded.attributes), live.modify_index, live.stopped)


def drift(recorded: ResourceState, live: LiveView, refreshed: Refreshed) -> Drifted | None:
    """Stopped outside, or moved with Nomad's plan of the recorded job changing something
    (without that plan: the managed keys differ)."""
    if live.body is None:
        return None
    after = {**live.body, "Stop": True} if live.stopped else live.body
    if live.stopped:
        return Drifted(after, "stopped outside ncplan")
    if live.index == recorded.observed_index:
        return None
    plan = refreshed.drift_plans.get(recorded.typed_address.name)
    if plan is not None:
        return None if plan.changes_nothing else Drifted(after, nomad_plan=plan)
    return Drifted(after) if differs(recorded.attributes, live.body) else None


def live_owner(name: str, refreshed: Refreshed) -> Owner:
    """The owner of job ``name`` (and of what belongs to it: its sidecar identity)."""
    job = refreshed.jobs.get(name)
    return ABSENT if job is None else Owner(True, job_owner(job.body))


def owner(address: Address, refreshed: Refreshed) -> Owner:
    return live_owner(address.name, refreshed)


class JobWriter:
    """Registers with ``EnforceIndex`` (nothing when Nomad's plan changes nothing, unless
    importing), each carrying the ownership mark ``lineage``."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.jobs = providers.jobs
        self.lineage = lineage

    def write(self, request: WriteRequest) -> WriteResult:
        if request.unchanged and request.observed_index and not request.importing:
            return WriteResult(request.observed_index, wrote=False)
        body = request.body or {}
        if self.lineage:
            body = with_job_mark(body, self.lineage)
        return WriteResult(self.jobs.register(body, enforce_index=request.observed_index))

    def delete(self, request: WriteRequest) -> None:
        """Nomad has no check-and-set delete: read, compare, then deregister (purged, so
        a replacement can be created with index 0)."""
        live = self.jobs.read(request.name)
        if live is None:
            return
        if live.modify_index != request.observed_index:
            raise CheckAndSetConflict(
                f"{request.address} changed since the plan (index {request.observed_index} "
                f"-> {live.modify_index}); run plan again")
        self.jobs.deregister(request.name, purge=True)


def mark_live(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """The live job registered again as Nomad returned it, ``Meta`` marked (a new job
    version, no other change), while still at ``index``."""
    job = providers.jobs.read(address.name)
    if job is None or job_owner(job.body) == lineage:
        return index
    check_index(str(address), index, job.modify_index)
    return providers.jobs.register(with_job_mark(job.body, lineage), enforce_index=index)


# --- refresh -------------------------------------------------------------------------

def parse_raw_job(providers: Providers, raw: RawJob) -> dict[str, Any]:
    """The Job JSON of a raw job, parsed by Nomad with its variable values; Nomad's
    message about a refused job names places in the configuration's files."""
    try:
        return providers.jobs.parse(raw.source, raw.variables)
    except ProviderError as error:
        if isinstance(error, ProviderUnreachable):
            raise
        names = list(raw.variables)
        raise type(error)(locate(error.message, raw.file, raw.line, names),
                          status=error.status, body=locate(error.body, raw.file, raw.line, names),
                          hint=error.hint) from error


def parse_tasks(providers: Providers,
                jobs: Iterable[RawJob]) -> dict[str, Task[Mapping[str, Any]]]:
    """Nomad's parse of each raw job (a ``job`` block or a jobspec file), by job name,
    labelled with its address and block."""
    tasks: dict[str, Task[Mapping[str, Any]]] = {}
    for raw in jobs:
        tasks[raw.name] = Task(job_address(raw.name), partial(parse_raw_job, providers, raw),
                               raw.span, rejects_job=True)
    return tasks


def parse_round(context: ReadContext) -> Round[Mapping[str, Any]]:
    """The raw jobs' parses: those the run made already (``context.parsed``), else
    Nomad's parse of each raw job desired."""
    def store(refreshed: Refreshed, parsed: Mapping[str, Mapping[str, Any]]) -> Refreshed:
        return replace(refreshed, parsed_jobs=parsed)

    if context.parsed is not None:
        made = context.parsed
        return Round({}, lambda refreshed, _: store(refreshed, made))
    raws = [context.config.job(r.name) for r in context.desired if r.raw]
    return Round(parse_tasks(context.providers, [raw for raw in raws if raw is not None]),
                 store)


def _rounds(kind: Kind[LiveJob], context: ReadContext,
            keys: Mapping[str, str]) -> Sequence[Round[Any]]:
    return (parse_round(context), kind.read_round(context, keys))


def marked_for_plan(body: Mapping[str, Any], live: LiveJob | None,
                    lineage: str) -> Mapping[str, Any]:
    """The job Nomad plans: with the ownership mark ``lineage`` when the live job carries
    it or does not exist (what apply registers), else as it is, so a job written before
    marks existed, or one to import, shows no change for the mark alone. Without a
    ``lineage`` (a refresh for no state in particular), a live job's own mark is kept."""
    owner = job_owner(live.body) if live is not None else lineage
    mark = owner if owner and (not lineage or owner == lineage) else ""
    return with_job_mark(body, mark) if mark else body


def moved_jobs(state: State | None,
               jobs: Mapping[str, LiveJob | None]) -> dict[str, Mapping[str, Any]]:
    """Recorded jobs (by name) whose live JobModifyIndex is not the one the state
    recorded: someone registered, stopped or edited them outside ncplan."""
    moved: dict[str, Mapping[str, Any]] = {}
    for recorded in state.resources if state is not None else ():
        address = recorded.typed_address
        name = address.name
        live = jobs.get(name) if address.kind == NAME else None
        if live is not None and recorded.attributes and not recorded.possibly_applied and (
                live.modify_index != recorded.observed_index):
            moved[name] = recorded.attributes
    return moved


def settled(context: ReadContext, name: str, index: int) -> LiveJob | None:
    """A job unchanged since ncplan wrote it, known without reading it or asking Nomad to
    plan it: listed at the JobModifyIndex the state recorded (any register, stop or edit
    outside moves it), recorded whole (not possibly applied), and desired exactly as
    recorded. Not a raw job (only Nomad's parse shows its Job JSON), nor one whose state
    holds a value redacted (only Nomad's plan can tell a changed secret). Its stand-in
    is the recorded job at that index."""
    address = job_address(name)
    recorded, desired = context.recorded.get(address), context.wanted.get(address)
    if (recorded is None or desired is None or desired.raw or recorded.possibly_applied
            or not recorded.attributes or recorded.observed_index != index
            or holds_marker(recorded.attributes)
            or differs(recorded.attributes, planned_body(desired, None))):
        return None
    return LiveJob(name=name, body=plain(recorded.attributes), modify_index=index)


def _plan(providers: Providers, body: Mapping[str, Any]) -> NomadJobPlan:
    return providers.jobs.plan(body)


def plan_rounds(context: ReadContext, refreshed: Refreshed) -> Sequence[Round[Any]]:
    """Nomad's plan of each desired job, and of each recorded job that moved (its
    redacted sensitive values taken from the desired job, so they show no false drift);
    each marked as :func:`marked_for_plan` says."""
    plans: dict[str, Task[NomadJobPlan]] = {}
    drifts: dict[str, Task[NomadJobPlan]] = {}
    bodies: dict[str, Mapping[str, Any]] = {}
    jobs, lineage, providers = refreshed.jobs, context.lineage, context.providers
    listed = context.listed(NAME).indexes
    for resource in context.desired:
        index = listed.get(resource.name)
        if resource.kind == NAME and (index is None
                                      or settled(context, resource.name, index) is None):
            body = desired_body(resource, refreshed)
            bodies[resource.name] = body
            body = marked_for_plan(body, jobs.get(resource.name), lineage)
            plans[resource.name] = Task(resource.address, partial(_plan, providers, body),
                                        resource.source, rejects_job=True)
    for name, recorded_job in moved_jobs(context.state, jobs).items():
        recorded_job = restore(recorded_job, bodies.get(name), context.secrets)
        recorded_job = marked_for_plan(recorded_job, jobs.get(name), lineage)
        drifts[name] = Task(job_address(name) + " (as recorded in the state)",
                            partial(_plan, providers, recorded_job))
    return (Round(plans, lambda found, answers: replace(found, plans=answers)),
            Round(drifts, lambda found, answers: replace(found, drift_plans=answers)))


_READS: ProviderReads[LiveJob] = ProviderReads(lambda providers: providers.jobs)

KIND: Kind[LiveJob] = Kind(
    name=NAME,
    read_one=_READS.one,
    read_all=_READS.indexes,
    live_of=lambda refreshed: refreshed.jobs,
    with_live=lambda refreshed, jobs: replace(refreshed, jobs=jobs),
    planned_body=planned_body,
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=JobWriter,
    mark_live=mark_live,
    drift=drift,
    settled=settled,
    rounds=_rounds,
    second_rounds=plan_rounds,
    replace_paths=replace_paths,
    runs_allocations=True,
    import_where="in Nomad",
)
