"""Refresh: read every live object a plan needs, concurrently, into one :class:`Refreshed`.

Two rounds over one thread pool of ``parallelism`` workers (``--parallelism``), one
request per object, each kind's requests its module's (:mod:`ncplan.kinds`: its
``first_rounds`` and ``second_rounds``), each round's answers stored into the
:class:`Refreshed` by that round, typed:

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

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from ncplan.address import Address
from ncplan.config.model import Config
from ncplan.errors import NcplanError, ProviderError, ProviderUnreachable
from ncplan.kinds.base import Kind, Listing, ReadContext, Round, Task
from ncplan.kinds.nomad_job import parse_raw_job
from ncplan.kinds.registry import KINDS
from ncplan.providers.clients import Providers
from ncplan.providers.live import MeshPolicy, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.state.model import State
from ncplan.transport.http import DEFAULT_PARALLELISM

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def read_keys(kind: Kind[Any], addresses: Iterable[Address]) -> dict[str, str]:
    """What ``kind`` reads for ``addresses`` (and always): key -> the label its errors
    carry (the addresses it serves), sorted, the keys read always last (the configuration's
    own errors first)."""
    found: dict[str, set[str]] = {key: {label} for key, label in kind.always_read.items()}
    for address in addresses:
        if address.kind == kind.name:
            found.setdefault(kind.read_key(address), set()).add(str(address))
    order = sorted(found, key=lambda key: (key in kind.always_read, key))
    return {key: ", ".join(sorted(found[key])) for key in order}


def run_tasks(pool: ThreadPoolExecutor, tasks: Mapping[K, Task[T]]) -> dict[K, T]:
    """Run every task on the pool; their results by key, or the first failure (in the
    order of ``tasks``, whatever finished first) as an ncplan error naming the task's
    label. On a failure or Ctrl-C the tasks not started yet are cancelled."""
    futures: dict[K, Future[T]] = {key: pool.submit(task.call) for key, task in tasks.items()}
    results: dict[K, T] = {}
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


def run_rounds(pool: ThreadPoolExecutor, rounds: Sequence[Round[Any]],
               refreshed: Refreshed) -> Refreshed:
    """Every round's requests at once (the first failure in round order raised), then
    each round's answers stored into ``refreshed``."""
    tasks = {(number, key): task for number, one in enumerate(rounds)
             for key, task in one.tasks.items()}
    answers = run_tasks(pool, tasks)
    for number, one in enumerate(rounds):
        refreshed = one.store(refreshed, {key: answers[number, key] for key in one.tasks})
    return refreshed


def located(error: ProviderError, task: Task[Any]) -> ProviderError:
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


def _one(label: str, call: Callable[[], T],
         store: Callable[[Refreshed, T], Refreshed]) -> Round[T]:
    return Round({label: Task(label, call)}, lambda found, answers: store(found, answers[label]))


def mesh_rounds(providers: Providers) -> tuple[Round[MeshPolicy], Round[frozenset[str]]]:
    """The mesh policy and the catalog's services (for the intention coverage warnings)."""
    return (_one("Consul mesh policy", providers.intentions.mesh_policy,
                 lambda found, mesh: replace(found, mesh=mesh)),
            _one("Consul catalog", providers.intentions.catalog_services,
                 lambda found, names: replace(found, catalog_services=names)))


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
    addresses = [r.typed_address for r in desired]
    addresses += [r.typed_address for r in state.resources] if state is not None else []
    context = ReadContext(providers=providers, config=config, desired=desired, state=state,
                          addresses=addresses,
                          secrets=config.sensitive_values(), lineage=lineage,
                          parsed=parsed)
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="refresh") as pool:
        keys = {name: read_keys(kind, context.addresses) for name, kind in KINDS.items()}
        listings = run_tasks(pool, {name: _listing(kind, providers, keys[name])
                                    for name, kind in KINDS.items() if keys[name]})
        context = replace(context, listings={name: found for name, found in listings.items()
                                             if found is not None})
        return _read(pool, context)


def _read(pool: ThreadPoolExecutor, context: ReadContext) -> Refreshed:
    first: list[Round[Any]] = [
        one for kind in KINDS.values()
        for one in kind.first_rounds(context, read_keys(kind, context.addresses))]
    first += mesh_rounds(context.providers)
    refreshed = run_rounds(pool, first, Refreshed())
    second = [one for kind in KINDS.values() if kind.second_rounds is not None
              for one in kind.second_rounds(context, refreshed)]
    return run_rounds(pool, second, refreshed)


def _listing(kind: Kind[Any], providers: Providers,
             keys: Mapping[str, str]) -> Task[Listing[Any] | None]:
    """The kind's list request (:meth:`Kind.permitted_listing`: None when the token may
    not list), its errors labelled as its first object's read would be."""
    return Task(next(iter(keys.values())), partial(kind.permitted_listing, providers))


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

