"""``cluster "NAME" { nomad {...} consul {...} }`` blocks and the ``clusters`` lists that
place services and intentions in them.

A cluster block's ``nomad`` and ``consul`` blocks take what the top-level ones take, plus
``token_env`` and ``cacert_env``: the NAMES of the environment variables holding that
pair's ACL token and CA file (tokens are never written in the files). Names are what
addresses spell after ``@`` (``nomad_job.db@east``): lower case, shell safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ncplan.config import schema
from ncplan.config.body import read_body
from ncplan.config.collector import Sink, Where
from ncplan.config.entry_model import ConsulEntry
from ncplan.config.interpolate import Expander
from ncplan.config.model import (
    Cluster,
    ConsulSettings,
    Intention,
    NomadSettings,
    RawJob,
    Service,
)
from ncplan.config.syntax import RawBlock

CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
CLUSTERS_META = "ncplan_clusters"  # a raw job's clusters: meta { ncplan_clusters = "a,b" }


def job_clusters(job: RawJob) -> tuple[str, ...] | None:
    """The clusters a raw job's ``meta`` key ``ncplan_clusters = "east,west"`` places it
    in (a job block is Nomad's text, so the list lives where ``ncplan_depends_on`` does);
    None without it: every cluster."""
    meta = job.body.get("meta")
    for block in meta if isinstance(meta, list) else [meta]:
        if isinstance(block, Mapping) and isinstance(block.get(CLUSTERS_META), str):
            listed: str = block[CLUSTERS_META]
            return tuple(part.strip() for part in listed.split(",") if part.strip())
    return None


def read_clusters(blocks: Sequence[tuple[str, RawBlock]], sink: Sink,
                  expander: Expander) -> tuple[Cluster, ...]:
    """Every ``cluster`` block, in the order written; a bad or repeated name is an error."""
    found: dict[str, Cluster] = {}
    for file, block in blocks:
        cluster = _cluster(file, block, sink, expander)
        if not CLUSTER_NAME.match(cluster.name):
            sink.error(f'invalid cluster name "{cluster.name}"', Where(file, block.pos),
                       "use lowercase letters, digits, dashes and underscores, starting "
                       "with a letter (it ends every address in it: nomad_job.db@NAME)")
        elif cluster.name in found:
            sink.error(f'duplicate cluster "{cluster.name}"', Where(file, block.pos),
                       f"the first is at {found[cluster.name].span}")
        else:
            found[cluster.name] = cluster
    return tuple(found.values())


def _cluster(file: str, block: RawBlock, sink: Sink, expander: Expander) -> Cluster:
    body = read_body(block, schema.CLUSTER, file, sink, expander)
    nomad, consul = NomadSettings(), ConsulSettings()
    for raw in body.blocks.get("nomad", [])[:1]:
        inner = read_body(raw, schema.CLUSTER.blocks["nomad"], file, sink, expander)
        nomad = NomadSettings(address=inner.get("address"), region=inner.get("region"),
                              namespace=inner.get("namespace"), span=sink.span(inner.where),
                              token_env=inner.get("token_env"),
                              cacert_env=inner.get("cacert_env"))
    for raw in body.blocks.get("consul", [])[:1]:
        inner = read_body(raw, schema.CLUSTER.blocks["consul"], file, sink, expander)
        consul = ConsulSettings(address=inner.get("address"),
                                datacenter=inner.get("datacenter"),
                                span=sink.span(inner.where), token_env=inner.get("token_env"),
                                cacert_env=inner.get("cacert_env"))
    sidecars: dict[str, str] = {}
    for raw in body.blocks.get("defaults", [])[:1]:
        inner = read_body(raw, schema.CLUSTER.blocks["defaults"], file, sink, expander)
        sidecars = {name: inner.get(name) for name in
                    ("consul_binary", "consul_agent", "consul_agent_cacert")}
    return Cluster(name=block.labels[0], nomad=nomad, consul=consul,
                   span=sink.span(body.where), **sidecars)


def entry_clusters(entry: ConsulEntry) -> tuple[str, ...] | None:
    """The clusters a config entry file's ``Meta { ncplan_clusters = "east,west" }``
    places it in (the file is Consul's format: the list lives in its Meta); None without
    it: every cluster."""
    meta = entry.body.get("Meta", entry.body.get("meta"))
    listed = meta.get(CLUSTERS_META) if isinstance(meta, Mapping) else None
    if not isinstance(listed, str):
        return None
    return tuple(part.strip() for part in listed.split(",") if part.strip())


def check_placements(clusters: Sequence[Cluster], services: Sequence[Service],
                     intentions: Sequence[Intention], jobs: Sequence[RawJob],
                     entries: Sequence[ConsulEntry], sink: Sink) -> None:
    """Every name in a ``clusters`` list is a declared cluster; without cluster blocks a
    ``clusters`` list is an error (there is nothing to place the object in)."""
    known = {c.name for c in clusters}
    placed = [(f'service "{s.name}"', s.clusters, s.span) for s in services]
    placed += [(f'intention "{i.source}" -> "{i.destination}"', i.clusters, i.span)
               for i in intentions]
    placed += [(f'job "{j.name}" (meta {CLUSTERS_META})', job_clusters(j), j.span)
               for j in jobs]
    placed += [(f"{e.label} (Meta {CLUSTERS_META})", entry_clusters(e), e.span)
               for e in entries]
    for what, names, span in placed:
        if names is None:
            continue
        if not known:
            sink.error(f"{what} sets clusters, but no cluster block is declared", span,
                       'declare each cluster: cluster "NAME" { nomad {...} consul {...} }')
            continue
        for name in names:
            if name not in known:
                sink.error(f'{what} names cluster "{name}", which is not declared', span,
                           "declared clusters: " + ", ".join(sorted(known)))
