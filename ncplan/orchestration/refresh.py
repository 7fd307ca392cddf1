"""Refresh: read every live object a plan needs, concurrently, into one :class:`Refreshed`.

Two rounds over one thread pool of ``parallelism`` workers (``--parallelism``), one
request per object:

1. parse each raw job (a ``job`` block or a jobspec file) through ``/v1/jobs/parse`` with
   the values of its variables; read every job, every
   destination's ``service-intentions`` entry and every ``service-defaults`` entry named
   by the configuration or the state, and the ``*`` destination's entry (a ``* -> *``
   deny makes the mesh deny by default); read every sidecar identity's token and
   variable; read the mesh policy and the catalog's services;
2. ask Nomad to plan each desired job (``Diff=true``), and, for each job whose live
   JobModifyIndex moved since the state recorded it, plan the recorded job too
   (``drift_plans``: Nomad's own diff of what changed outside ncplan).

Any failure stops the refresh with an ncplan error naming the resource's address (the
first failure in address order, so the message does not depend on thread timing); a job
Nomad rejects also names the HCL location of the block it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from ncplan.address import (
    Address,
    job_address,
    service_defaults_address,
    token_address,
    variable_address,
)
from ncplan.config.model import Config, RawJob
from ncplan.diagnostics import SourceSpan
from ncplan.errors import NcplanError, ProviderError, ProviderUnreachable
from ncplan.planner.redaction import restore
from ncplan.providers.clients import Providers
from ncplan.providers.live import (
    LiveIntentions,
    LiveJob,
    LiveServiceDefaults,
    LiveToken,
    LiveVariable,
    MeshPolicy,
    NomadJobPlan,
    Refreshed,
)
from ncplan.providers.parse_errors import locate
from ncplan.resources.desired import DesiredResource
from ncplan.resources.ownership import job_owner, with_job_mark
from ncplan.state.model import State
from ncplan.transport.http import DEFAULT_PARALLELISM

T = TypeVar("T")
WILDCARD = "*"


@dataclass(frozen=True)
class Task:
    """One request: what it is for (an address, or a name like ``Consul mesh policy``),
    where its block is (for errors about jobs Nomad rejects), and the call itself."""

    label: str
    call: Callable[[], Any]
    source: SourceSpan | None = None
    rejects_job: bool = False  # a 4xx/5xx means Nomad refused the job itself


@dataclass(frozen=True)
class Names:
    """The objects to read: names from the configuration and the state, sorted."""

    jobs: tuple[str, ...]
    destinations: Mapping[str, tuple[str, ...]]  # destination -> its intentions' addresses
    service_defaults: tuple[str, ...]
    tokens: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()

    @classmethod
    def of(cls, desired: Iterable[DesiredResource], state: State | None) -> Names:
        parsed = [r.typed_address for r in desired]
        parsed += [r.typed_address for r in state.resources] if state is not None else []
        return cls(
            jobs=tuple(sorted({a.name for a in parsed if a.kind == "nomad_job"})),
            destinations=_intentions_by_destination(parsed),
            service_defaults=_named(parsed, "consul_service_defaults"),
            tokens=_named(parsed, "consul_acl_token"),
            variables=_named(parsed, "nomad_variable"),
        )


def _named(addresses: Iterable[Address], kind: str) -> tuple[str, ...]:
    return tuple(sorted({a.name for a in addresses if a.kind == kind}))


def _intentions_by_destination(addresses: Iterable[Address]) -> dict[str, tuple[str, ...]]:
    """Destination -> its intentions' addresses; ``*`` always (a ``* -> *`` deny written
    outside ncplan makes the mesh deny by default: the coverage warnings need it)."""
    found: dict[str, set[str]] = {WILDCARD: {"Consul intentions toward *"}}
    for address in addresses:
        if address.kind == "consul_intention":
            found.setdefault(address.destination, set()).add(str(address))
    order = sorted(found, key=lambda name: (name == WILDCARD, name))  # the configuration's
    return {name: tuple(sorted(found[name])) for name in order}       # own errors first


def run_tasks(pool: ThreadPoolExecutor, tasks: Mapping[str, Task]) -> dict[str, Any]:
    """Run every task on the pool; their results by key, or the first failure (in the
    order of ``tasks``, whatever finished first) as an ncplan error naming the task's
    label. On a failure or Ctrl-C the tasks not started yet are cancelled."""
    futures: dict[str, Future[Any]] = {key: pool.submit(task.call)
                                       for key, task in tasks.items()}
    results: dict[str, Any] = {}
    try:
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except ProviderError as error:
                raise located(error, tasks[key]) from error
    except BaseException:
        for future in futures.values():
            future.cancel()
        raise
    return results


def located(error: ProviderError, task: Task) -> ProviderError:
    """``error`` prefixed with the task's label (and, for a job Nomad rejected, the HCL
    location of its block and Nomad's own message)."""
    where = f"{task.label} ({task.source})" if task.source is not None else task.label
    refused = error.status is not None and error.status not in (401, 403)
    if task.rejects_job and refused and not isinstance(error, ProviderUnreachable):
        said = " ".join(error.body.split()) or error.message
        message = f"{where}: Nomad rejected the job: {said}"
        hint: str | None = error.hint or ("fix the job block at the location above; "
                                          "`ncplan render --format hcl` shows the job "
                                          "ncplan sends")
    else:
        message, hint = f"{where}: {error.message}", error.hint
    return type(error)(message, status=error.status, body=error.body, hint=hint)


def parse_tasks(providers: Providers, jobs: Iterable[RawJob]) -> dict[str, Task]:
    """Nomad's parse of each raw job, labelled with its address and block."""
    return {f"parse:{raw.name}": Task(job_address(raw.name), partial(parse_raw_job, providers, raw),
                                      raw.span, rejects_job=True)
            for raw in jobs}


def _read_tasks(providers: Providers, names: Names, config: Config,
                desired: Sequence[DesiredResource], parse: bool) -> dict[str, Task]:
    raw_jobs = [config.job(r.name) for r in desired if r.raw] if parse else []
    tasks = parse_tasks(providers, [raw for raw in raw_jobs if raw is not None])
    for name in names.jobs:
        tasks[f"job:{name}"] = Task(job_address(name), partial(providers.jobs.read, name))
    for name, addresses in names.destinations.items():
        tasks[f"intentions:{name}"] = Task(", ".join(addresses),
                                           partial(providers.intentions.read, name))
    for name in names.service_defaults:
        tasks[f"defaults:{name}"] = Task(service_defaults_address(name),
                                         partial(providers.service_defaults.read, name))
    for name in names.tokens:
        tasks[f"token:{name}"] = Task(token_address(name), partial(providers.tokens.read, name))
    for name in names.variables:
        tasks[f"variable:{name}"] = Task(variable_address(name),
                                         partial(providers.variables.read, name))
    tasks["mesh"] = Task("Consul mesh policy", providers.intentions.mesh_policy)
    tasks["catalog"] = Task("Consul catalog", providers.intentions.catalog_services)
    return tasks


def marked_for_plan(body: Mapping[str, Any], live: LiveJob | None,
                    lineage: str) -> Mapping[str, Any]:
    """The job Nomad plans: with the ownership mark ``lineage`` when the live job carries
    it or does not exist (what apply registers), else as it is, so a job written before
    marks existed, or one to import, shows no change for the mark alone. Without a
    ``lineage`` (a refresh for no state in particular), a live job's own mark is kept."""
    owner = job_owner(live.body) if live is not None else lineage
    mark = owner if owner and (not lineage or owner == lineage) else ""
    return with_job_mark(body, mark) if mark else body


def _plan_tasks(providers: Providers, desired: Sequence[DesiredResource], state: State | None,
                parsed: Mapping[str, Mapping[str, Any]], jobs: Mapping[str, LiveJob | None],
                secrets: frozenset[str], lineage: str = "") -> dict[str, Task]:
    """Nomad's plan of each desired job, and of each recorded job that moved (its
    redacted sensitive values taken from the desired job, so they show no false drift);
    each marked as :func:`marked_for_plan` says."""
    tasks: dict[str, Task] = {}
    bodies: dict[str, Mapping[str, Any]] = {}
    for resource in desired:
        if resource.kind == "nomad_job":
            body = parsed.get(resource.name, resource.body) if resource.raw else resource.body
            bodies[resource.name] = body
            body = marked_for_plan(body, jobs.get(resource.name), lineage)
            tasks[f"plan:{resource.name}"] = Task(
                resource.address, partial(providers.jobs.plan, body), resource.source,
                rejects_job=True)
    for name, recorded_job in moved_jobs(state, jobs).items():
        recorded_job = restore(recorded_job, bodies.get(name), secrets)
        recorded_job = marked_for_plan(recorded_job, jobs.get(name), lineage)
        tasks[f"drift:{name}"] = Task(job_address(name) + " (as recorded in the state)",
                                      partial(providers.jobs.plan, recorded_job))
    return tasks


def moved_jobs(state: State | None,
               jobs: Mapping[str, LiveJob | None]) -> dict[str, Mapping[str, Any]]:
    """Recorded jobs (by name) whose live JobModifyIndex is not the one the state
    recorded: someone registered, stopped or edited them outside ncplan."""
    moved: dict[str, Mapping[str, Any]] = {}
    for recorded in state.resources if state is not None else ():
        address = recorded.typed_address
        live = jobs.get(address.name) if address.kind == "nomad_job" else None
        if live is not None and recorded.attributes and not recorded.possibly_applied and (
                live.modify_index != recorded.observed_index):
            moved[address.name] = recorded.attributes
    return moved


def check_parallelism(parallelism: int) -> None:
    if parallelism < 1:
        raise NcplanError(f"--parallelism must be at least 1 (got {parallelism})")


def refresh(desired: Sequence[DesiredResource], state: State | None, config: Config, *,
            parallelism: int = DEFAULT_PARALLELISM,
            providers: Providers | None = None, lineage: str = "",
            parsed: Mapping[str, Mapping[str, Any]] | None = None) -> Refreshed:
    """Read everything the plan of ``desired`` against ``state`` needs (see the module
    docstring); ``providers`` default to those of ``config`` and the environment;
    ``lineage`` is the ownership mark apply writes (the state's). ``parsed``: the raw
    jobs Nomad already parsed for this run (a plan parses them before lowering, see
    :mod:`ncplan.orchestration.resolution`); ``None``: parsed here, in the first round."""
    check_parallelism(parallelism)
    providers = providers or Providers.from_config(config)
    names = Names.of(desired, state)
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="refresh") as pool:
        read = run_tasks(pool, _read_tasks(providers, names, config, desired,
                                           parse=parsed is None))
        if parsed is None:
            parsed = _by_prefix(read, "parse:", dict)
        jobs: dict[str, LiveJob | None] = _by_prefix(read, "job:", (LiveJob, type(None)))
        planned = run_tasks(pool, _plan_tasks(providers, desired, state, parsed, jobs,
                                               config.sensitive_values(), lineage))
    mesh, catalog = read["mesh"], read["catalog"]
    assert isinstance(mesh, MeshPolicy) and isinstance(catalog, frozenset)
    return Refreshed(
        jobs=jobs,
        intentions=_by_prefix(read, "intentions:", (LiveIntentions, type(None))),
        service_defaults=_by_prefix(read, "defaults:", (LiveServiceDefaults, type(None))),
        parsed_jobs=parsed,
        plans=_by_prefix(planned, "plan:", NomadJobPlan),
        drift_plans=_by_prefix(planned, "drift:", NomadJobPlan),
        catalog_services=catalog,
        mesh=mesh,
        acl_tokens=_by_prefix(read, "token:", (LiveToken, type(None))),
        variables=_by_prefix(read, "variable:", (LiveVariable, type(None))),
    )


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


def parse_partial_jobs(config: Config, *,
                       providers: Providers | None = None) -> dict[str, dict[str, Any]]:
    """The Job JSON of each raw job whose dependencies the HCL text could not show fully,
    parsed by Nomad; empty when there is none or Nomad cannot be reached or refuses one
    (``plan`` reports that; ``graph`` then shows what the text gave)."""
    partial_jobs = [job for job in config.jobs if job.partial]
    if not partial_jobs:
        return {}
    providers = providers or Providers.from_config(config)
    try:
        return {job.name: parse_raw_job(providers, job) for job in partial_jobs}
    except ProviderError:
        return {}


def _by_prefix(results: Mapping[str, Any], prefix: str,
               expect: type[T] | tuple[type, ...]) -> dict[str, T]:
    found = {key[len(prefix):]: value for key, value in results.items()
             if key.startswith(prefix)}
    assert all(isinstance(value, expect) for value in found.values())
    return found
