"""Importing: adopt one live object into the state, as apply would have recorded it.

The address must be in the configuration (as the run lowers it once, under the state
lock, see :mod:`ncplan.orchestration.resolution`) and not yet in the state; the ID names the
live object and must be the one the address manages (``nomad_job.NAME``: the job ID
``NAME``; ``consul_intention.SRC:DST``: ``SRC:DST``, the older ``SRC->DST`` read too;
``consul_service_defaults.NAME``:
``NAME``). Under the state lock, a refreshed plan of that address gives the live object
as ncplan manages it (its ``before``: the live object projected onto what the
configuration sets) and its live index; that is recorded, so the next plan shows no
changes when the configuration matches the live object and a field diff when it does not.
The live object gets the state's ownership mark (its kind's ``mark_live``); one
that another state owns is refused by the plan, naming that state's lineage.

With cluster blocks the address names its cluster (``nomad_job.db@east``): the object is
looked for in that cluster's pair, planned from that cluster's view of the configuration
and of the state, marked there, and recorded under the keyed address in the one state.
"""

from __future__ import annotations

from dataclasses import replace

from ncplan.address import Address, in_cluster, parse_address, split_cluster
from ncplan.errors import NcplanError
from ncplan.kinds.registry import kind_at
from ncplan.orchestration.clusters import check_clusters_known, naming, state_in
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.plan_run import (
    PlanOptions,
    Prepared,
    plan_lowered,
    prepare,
    resolve,
)
from ncplan.planner.model import PlanMode
from ncplan.planner.ownership import object_id
from ncplan.planner.redaction import hide, redact
from ncplan.resources.desired import DesiredResource
from ncplan.resources.lowered import Lowered
from ncplan.state import locked
from ncplan.state.model import ResourceState, State


def _desired(address: str, lowered: Lowered) -> DesiredResource:
    found = lowered.resource(address)
    if found is None:
        raise NcplanError(f"{address} is not in the configuration",
                          hint="add its block to the configuration first, then import it")
    return found


def _check_id(address: Address, ident: str) -> None:
    """``ident`` must name the object ``address`` manages (the address alone says which:
    its name, see :func:`~ncplan.planner.ownership.object_id`)."""
    expected = object_id(address)
    kind, _ = kind_at(address)
    if not kind.same_id(ident, expected):
        raise NcplanError(f"{address} manages the object with ID {expected!r}, not {ident!r}",
                          hint=f"ncplan import {address} {expected}")


def run_import(app: AppContext, address: str, ident: str,
               options: PlanOptions) -> ResourceState:
    """Record the live object ``ident`` at ``address``; raises NcplanError. The ID and the
    state are checked before anything is asked of the agents; whether the configuration
    declares ``address``, in the run's one lowering (made once the sidecar identity is
    resolved)."""
    prepared = prepare(app, options)
    parsed = parse_address(address)  # a malformed address is a ConfigError naming it
    _check_id(parsed, ident)
    cluster = _cluster_of(parsed, prepared)
    if not cluster:
        return _adopt(prepared, prepared, str(parsed), ident, options, cluster)
    with naming(cluster):
        return _adopt(prepared, prepared.clusters[cluster], str(parsed), ident, options,
                      cluster)


def _cluster_of(parsed: Address, prepared: Prepared) -> str:
    """The cluster the address names: required (and declared) with cluster blocks,
    refused without them."""
    declared = list(prepared.clusters)
    if not declared:
        if parsed.cluster:
            raise NcplanError(f"{parsed} names a cluster, but the configuration declares "
                              "no cluster blocks",
                              hint=f"ncplan import {split_cluster(str(parsed))[0]} ID")
        return ""
    if not parsed.cluster:
        raise NcplanError(f"{parsed}: with cluster blocks the address names its cluster",
                          hint="ncplan import " + " or ".join(
                              f"{in_cluster(str(parsed), name)}" for name in declared)
                          + " ID")
    check_clusters_known(None, (str(parsed),), declared)
    return parsed.cluster


def _adopt(prepared: Prepared, run_in: Prepared, address: str, ident: str,
           options: PlanOptions, cluster: str) -> ResourceState:
    """Plan ``address`` in ``run_in`` (the cluster's run, or the one run) under the
    state lock and record the live object it found in the one state."""
    local = split_cluster(address)[0]
    parsed = parse_address(local)
    manager = prepared.manager
    scoped = replace(options, mode=PlanMode.NORMAL, targets=(local,), refresh=True)
    with locked(manager, "import", options.lock_timeout, manager.description):
        state = manager.read()
        if state is not None and state.resource(address) is not None:
            raise NcplanError(f"{address} is already in the state",
                              hint=f"`ncplan state rm {address}` first to import it again")
        view = state
        if cluster:
            check_clusters_known(state, (), list(prepared.clusters))
            view = state_in(state, cluster)
        resolved = resolve(run_in, view, scoped)
        lowered = resolved.lowered()
        resource = _desired(local, lowered)
        plan = plan_lowered(run_in, view, scoped, resolved, lowered).plan
        change = plan.change(local)
        if change is None or change.before is None:
            raise NcplanError(f"{address}: no object {ident!r} exists "
                              f"{kind_at(parsed)[0].import_where}")
        base = state or State.new(lineage=plan.lineage)
        if state is None:  # the lineage is on disk before the mark is written
            manager.write(base)
            base = manager.persist() or base
        index = kind_at(parsed)[0].mark_live(run_in.providers, parsed, base.lineage,
                                             change.observed_index)
        record = ResourceState(address=address, kind=resource.kind, id=resource.name,
                               attributes=dict(redact(
                                   hide(change.before, change.before_sensitive),
                                   prepared.config.sensitive_values())),
                               observed_index=index,
                               dependencies=tuple(in_cluster(d, cluster)
                                                  for d in change.depends_on))
        manager.write(base.with_resource(record))
        manager.persist()
    return record
