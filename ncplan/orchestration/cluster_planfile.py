"""A saved plan with cluster blocks (``apply PLANFILE``): its changes checked and restored
cluster by cluster.

The plan file holds every cluster's changes under keyed addresses (``nomad_job.db@east``).
The lineage, serial and configuration digest are the one state's and the one
configuration's, checked as without clusters; the live indexes are read per cluster,
side by side, each from that cluster's own providers, and a moved one is named with its
cluster and keyed address. The sensitive values are restored per cluster from that
cluster's view of the configuration (its lowering, its Nomad's parse of a raw job).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ncplan.address import in_cluster, split_cluster
from ncplan.orchestration.clusters import side_by_side
from ncplan.orchestration.live_indexes import moved_indexes
from ncplan.orchestration.plan_run import Prepared
from ncplan.orchestration.saved_plan_secrets import restored_plan
from ncplan.planner.model import Plan, ResourceChange
from ncplan.resources.lowered import Lowered


def _unkeyed(change: ResourceChange) -> ResourceChange:
    return replace(change, address=split_cluster(change.address)[0],
                   depends_on=tuple(split_cluster(d)[0] for d in change.depends_on))


def _keyed(change: ResourceChange, cluster: str) -> ResourceChange:
    return replace(change, address=in_cluster(change.address, cluster),
                   depends_on=tuple(in_cluster(d, cluster) for d in change.depends_on))


def _changes_of(changes: tuple[ResourceChange, ...], cluster: str
                ) -> tuple[ResourceChange, ...]:
    return tuple(_unkeyed(c) for c in changes if split_cluster(c.address)[1] == cluster)


def moved_in_clusters(plan: Plan, clusters: Mapping[str, Prepared],
                      parallelism: int) -> list[str]:
    """Why the saved plan's live indexes no longer fit: each moved one as
    ``cluster "NAME": ADDR@NAME changed since the plan (index A -> B)``, read from its
    own cluster's providers; clusters in declaration order."""
    def one(name: str) -> list[str]:
        mine = _changes_of(plan.actionable, name)
        if not mine:
            return []
        moved = moved_indexes(mine, clusters[name].providers, parallelism=parallelism)
        return [f'cluster "{name}": '
                + replace(m, address=in_cluster(m.address, name)).reason for m in moved]

    return [reason for found in side_by_side(list(clusters), one) for reason in found]


def restored_in_clusters(plan: Plan, clusters: Mapping[str, Prepared]) -> Plan:
    """``plan`` with each cluster's sensitive values back from that cluster's view of
    the configuration; nothing else of the plan changes."""
    restored: dict[str, ResourceChange] = {}

    def one(name: str) -> tuple[ResourceChange, ...]:
        part = clusters[name]
        mine = _changes_of(plan.changes, name)
        if not mine:
            return ()
        lowered = Lowered.of(part.config, plan.sidecar_identity)
        back = restored_plan(replace(plan, changes=mine), part.config, lowered.desired,
                             part.providers)
        return tuple(_keyed(c, name) for c in back.changes)

    for found in side_by_side(list(clusters), one):
        restored.update((c.address, c) for c in found)
    return replace(plan, changes=tuple(restored.get(c.address, c) for c in plan.changes))
