"""Several clusters in one plan and one apply.

Each declared ``cluster`` is planned as the one implicit cluster is: its own view of the
configuration (its Nomad and Consul settings, the services placed in it, the intentions
toward them), its own view of the state (its addresses, without the ``@NAME`` key), its
own providers, refreshed side by side with the others. Its plan's addresses then get the
cluster key (``nomad_job.db@east``) and the plans are merged into one: one state (one
lineage, one lock) records every cluster, and one engine applies them, each change
carried out through its own cluster's writers (:class:`ClusterExecutor`). Clusters share
no edge, so the order holds within each and a failure in one leaves the steps of another
to run. Every error raised while a cluster is planned or written names it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

from ncplan.address import in_cluster, split_cluster
from ncplan.config.clusters import entry_clusters, job_clusters
from ncplan.config.model import Cluster, Config, Intention, Service
from ncplan.errors import NcplanError
from ncplan.planner.engine import ResourceExecutor, Written
from ncplan.planner.model import Plan, PlanWarning, ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.state.model import ResourceState, State, sort_resources

_T = TypeVar("_T")
_STANDARD_VARIABLES = ("NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT", "CONSUL_HTTP_ADDR",
                       "CONSUL_HTTP_TOKEN", "CONSUL_CACERT")


def cluster_env(cluster: Cluster, env: Mapping[str, str]) -> dict[str, str]:
    """The environment a cluster's providers see: only the variables its blocks name
    (``token_env``, ``cacert_env``), under the names Nomad's and Consul's clients read, so
    one cluster's token never reaches another; a named variable that is unset is an
    error naming the cluster."""
    wanted = {"NOMAD_TOKEN": cluster.nomad.token_env,
              "NOMAD_CACERT": cluster.nomad.cacert_env,
              "CONSUL_HTTP_TOKEN": cluster.consul.token_env,
              "CONSUL_CACERT": cluster.consul.cacert_env}
    found: dict[str, str] = {}
    for standard, named in wanted.items():
        if named is None:
            continue
        value = env.get(named)
        if not value:
            raise NcplanError(f'cluster "{cluster.name}": the environment variable {named} '
                              "is not set", hint=f"export {named} (its cluster block names "
                                                 "it), or remove the setting")
        found[standard] = value
    return found


def in_the_cluster(config: Config, cluster: Cluster) -> Config:
    """``config`` as the one implicit cluster of ``cluster`` would declare it: that pair's
    settings, the services placed there (every one without ``clusters``), the raw jobs
    and entry files placed there (their ``ncplan_clusters`` meta, else everywhere), the
    intentions written there (their own ``clusters``, else wherever their destination
    runs)."""
    services = tuple(_sidecars_of(s, cluster) for s in config.services
                     if _placed(s, cluster.name))
    jobs = tuple(j for j in config.jobs
                 if (placed := job_clusters(j)) is None or cluster.name in placed)
    running = {s.name for s in services} | {j.name for j in jobs}
    intentions = tuple(i for i in config.intentions
                       if _intention_placed(i, cluster.name, running, config))
    entries = tuple(e for e in config.consul_entries
                    if (placed := entry_clusters(e)) is None or cluster.name in placed)
    return replace(config, nomad=cluster.nomad, consul=cluster.consul, services=services,
                   jobs=jobs, intentions=intentions, consul_entries=entries, clusters=())


def _sidecars_of(service: Service, cluster: Cluster) -> Service:
    """The service with what its builtin sidecars run and talk to in ``cluster`` (the
    cluster's ``defaults { }``, where it sets them)."""
    return replace(service,
                   consul_binary=cluster.consul_binary or service.consul_binary,
                   consul_agent=cluster.consul_agent or service.consul_agent,
                   consul_agent_cacert=cluster.consul_agent_cacert
                   or service.consul_agent_cacert)


def _placed(service: Service, cluster: str) -> bool:
    return service.clusters is None or cluster in service.clusters


def _intention_placed(intention: Intention, cluster: str, running: set[str],
                      config: Config) -> bool:
    if intention.clusters is not None:
        return cluster in intention.clusters
    declared = config.service(intention.destination) is not None \
        or config.job(intention.destination) is not None
    return intention.destination in running or not declared  # "*" or external: everywhere


def state_in(state: State | None, cluster: str) -> State | None:
    """The cluster's part of ``state``: its resources, addresses without the key (the
    lineage and serial are the one state's)."""
    if state is None:
        return None
    mine = [_unkeyed(r) for r in state.resources if split_cluster(r.address)[1] == cluster]
    return replace(state, resources=sort_resources(mine))


def _unkeyed(resource: ResourceState) -> ResourceState:
    return replace(resource, address=split_cluster(resource.address)[0],
                   dependencies=tuple(split_cluster(d)[0] for d in resource.dependencies))


def _keyed_resource(resource: ResourceState, cluster: str) -> ResourceState:
    return replace(resource, address=in_cluster(resource.address, cluster),
                   dependencies=tuple(in_cluster(d, cluster) for d in resource.dependencies))


def check_clusters_known(state: State | None, targets: Sequence[str],
                         clusters: Sequence[str]) -> None:
    """Every cluster key in the state and in ``--target`` is a declared cluster, and
    with cluster blocks every recorded address has one: a record no cluster plans would
    be silently left alone (Terraform refuses a resource whose provider is gone)."""
    declared = set(clusters)
    for address in state.addresses if state is not None else ():
        key = split_cluster(address)[1]
        if key and key not in declared:
            raise NcplanError(
                f'the state records {address}, of cluster "{key}", which is not declared',
                hint=f'declare cluster "{key}" again to plan its objects (destroy them), '
                     f"or `ncplan state rm {address}`")
        if not key and declared:
            raise NcplanError(
                f"the state records {address} without a cluster key: it was applied "
                "before cluster blocks were declared",
                hint="destroy it without the cluster blocks first, or "
                     f"`ncplan state rm {address}` and let the next plan adopt it")
    for target in targets:
        key = split_cluster(target)[1]
        if key and key not in declared:
            raise NcplanError(f'--target {target} names cluster "{key}", which is not '
                              "declared",
                              hint="declared clusters: " + (", ".join(clusters) or "none"))


def targets_in(targets: Sequence[str], cluster: str) -> tuple[str, ...] | None:
    """The ``--target`` addresses for one cluster: ``ADDR@NAME`` there only, a target
    without a key in every cluster; None when targets were given and none is here."""
    if not targets:
        return ()
    mine = []
    for target in targets:
        base, key = split_cluster(target)
        if not key or key == cluster:
            mine.append(base)
    return tuple(mine) or None


def keyed_plan(plan: Plan, cluster: str) -> Plan:
    """``plan`` with every address carrying ``@cluster``."""
    def key(address: str) -> str:
        return in_cluster(address, cluster)

    def keys(addresses: Sequence[str]) -> tuple[str, ...]:
        return tuple(key(a) for a in addresses)

    next_state = plan.next_state
    if next_state is not None:
        next_state = replace(next_state, resources=sort_resources(
            _keyed_resource(r, cluster) for r in next_state.resources))
    return replace(
        plan,
        changes=tuple(replace(c, address=key(c.address), depends_on=keys(c.depends_on))
                      for c in plan.changes),
        drift=tuple(replace(d, address=key(d.address)) for d in plan.drift),
        warnings=tuple(_keyed_warning(w, cluster) for w in plan.warnings),
        apply_order=tuple(keys(level) for level in plan.apply_order),
        targets=keys(plan.targets), next_state=next_state, forgotten=keys(plan.forgotten),
        configuration=tuple(replace(r, address=key(r.address), depends_on=keys(r.depends_on))
                            for r in plan.configuration))


def _keyed_warning(warning: PlanWarning, cluster: str) -> PlanWarning:
    return replace(warning, summary=f"{cluster}: {warning.summary}",
                   address=None if warning.address is None
                   else in_cluster(warning.address, cluster))


def merged_plan(by_cluster: Mapping[str, Plan], state: State | None, lineage: str) -> Plan:
    """One plan of the clusters' keyed plans: their changes side by side, the apply order
    level by level (clusters share no edge), made against the one ``state`` (whose
    clusters that were not planned, under ``--target``, keep their records)."""
    plans = list(by_cluster.values())
    first = plans[0]
    depth = max((len(p.apply_order) for p in plans), default=0)
    order = tuple(tuple(a for p in plans if i < len(p.apply_order) for a in p.apply_order[i])
                  for i in range(depth))
    next_state = None
    if all(p.next_state is not None for p in plans):
        base = state if state is not None else State.new(lineage=lineage)
        kept = [r for r in base.resources if split_cluster(r.address)[1] not in by_cluster]
        next_state = base.with_resources([*kept, *(
            r for p in plans if p.next_state is not None for r in p.next_state.resources)])
    return replace(
        first,
        changes=tuple(c for p in plans for c in p.changes),
        drift=tuple(d for p in plans for d in p.drift),
        warnings=tuple(w for p in plans for w in p.warnings),
        apply_order=order, prior_state=state, lineage=lineage,
        serial=state.serial if state is not None else 0,
        targets=tuple(t for p in plans for t in p.targets),
        read_live=all(p.read_live for p in plans), next_state=next_state,
        forgotten=tuple(a for p in plans for a in p.forgotten),
        configuration=tuple(r for p in plans for r in p.configuration),
        sidecar_identity=any(p.sidecar_identity for p in plans))


@contextmanager
def naming(cluster: str) -> Iterator[None]:
    """Errors raised inside say which cluster they came from."""
    try:
        yield
    except NcplanError as error:
        prefix = f'cluster "{cluster}": '
        if not error.message.startswith(prefix):
            error.message = prefix + error.message
            error.args = (error.message,)
            if error.hint and any(name in error.hint for name in _STANDARD_VARIABLES):
                error.hint += (f' (cluster "{cluster}" takes its address from its block, '
                               "its token and CA from the variables token_env and "
                               "cacert_env name)")
        raise


def side_by_side(clusters: Sequence[str], work: Callable[[str], _T]) -> list[_T]:
    """``work`` for every cluster at once (each refresh waits on its own pair); results
    in the clusters' order; the first cluster's error (named) raised after all ended."""
    with ThreadPoolExecutor(max_workers=max(1, len(clusters)),
                            thread_name_prefix="cluster") as pool:
        futures = [pool.submit(_named, name, work) for name in clusters]
        done = [f.exception() for f in futures]
        for error in done:
            if error is not None:
                raise error
        return [f.result() for f in futures]


def _named(cluster: str, work: Callable[[str], _T]) -> _T:
    with naming(cluster):
        return work(cluster)


@dataclass(frozen=True)
class ClusterExecutor:
    """One kind's executor that hands each change to its cluster's executor (the key
    of the change's address), errors named by cluster."""

    by_cluster: Mapping[str, ResourceExecutor]

    def write(self, change: ResourceChange) -> Written:
        cluster = change.typed_address.cluster
        with naming(cluster):
            return self.by_cluster[cluster].write(change)

    def delete(self, change: ResourceChange) -> None:
        cluster = change.typed_address.cluster
        with naming(cluster):
            self.by_cluster[cluster].delete(change)


def cluster_executors(per_cluster: Mapping[str, Mapping[str, ResourceExecutor]]
                      ) -> dict[str, ResourceExecutor]:
    """The engine's executors by kind, each dispatching on the address's cluster key."""
    kinds = {kind for executors in per_cluster.values() for kind in executors}
    return {kind: ClusterExecutor({cluster: executors[kind]
                                   for cluster, executors in per_cluster.items()})
            for kind in kinds}


class ClusterRollouts:
    """The engine's ``wait_for_rollout``/``wait_for_stop``, each job followed in the
    Nomad of its cluster."""

    def __init__(self, by_cluster: Mapping[str, Callable[..., DeploymentProgress]],
                 stops: Mapping[str, Callable[[ResourceChange, threading.Event], str | None]]
                 ) -> None:
        self.by_cluster = by_cluster
        self.stops = stops

    def __call__(self, change: ResourceChange, job_modify_index: int, hooks: object,
                 stop: threading.Event | None = None) -> DeploymentProgress:
        cluster = change.typed_address.cluster
        with naming(cluster):
            return self.by_cluster[cluster](change, job_modify_index, hooks, stop)

    def stopped(self, change: ResourceChange, stop: threading.Event) -> str | None:
        cluster = change.typed_address.cluster
        with naming(cluster):
            return self.stops[cluster](change, stop)

