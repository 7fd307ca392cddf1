"""The dependency graph of the desired resources, and the order to apply or destroy them.

Pure; ordering is :class:`graphlib.TopologicalSorter`. An edge ``A -> B`` reads "A needs
B": B is applied first and destroyed last. The edges come from each resource's
``depends_on`` (see :mod:`ncplan.resources.dependencies` for the rules). Alongside it, the
*service graph* (job -> the jobs it dials, plus explicit depends_on) is kept for display.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ncplan.address import parse_address
from ncplan.config.model import Config
from ncplan.diagnostics import Diagnostic, Severity
from ncplan.errors import ConfigError
from ncplan.resources.dependencies import depends_on_of, upstreams_of
from ncplan.resources.desired import DesiredResource


@dataclass(frozen=True)
class ResourceGraph:
    """Nodes are resource addresses; ``needs[A]`` are the addresses A needs first."""

    needs: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, resources: Iterable[DesiredResource]) -> ResourceGraph:
        """Build from desired resources; edges to addresses not among them are dropped."""
        items = list(resources)
        known = {r.address for r in items}
        return cls({r.address: tuple(sorted(d for d in set(r.depends_on) if d in known))
                    for r in sorted(items, key=lambda r: r.address)})

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted(self.needs))

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """``(A, B)`` pairs: A needs B. Sorted."""
        return tuple(sorted((a, b) for a, required in self.needs.items() for b in required))

    def apply_order(self) -> list[list[str]]:
        """Batches: every resource of a batch only needs resources of earlier batches."""
        return _batches(self.needs)

    def destroy_order(self) -> list[list[str]]:
        """The apply order reversed: a resource goes only after everything that needs it."""
        return [list(batch) for batch in reversed(self.apply_order())]


def _batches(needs: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(needs)
    try:
        sorter.prepare()
    except graphlib.CycleError as error:
        raise cycle_error([str(n) for n in error.args[1]]) from None
    batches: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        batches.append(ready)
        sorter.done(*ready)
    return batches


def describe_cycle(cycle: list[str]) -> str:
    """``alpha -> beta -> alpha``: each name needs the next (job names when there are any).

    ``cycle`` is graphlib's report, in "comes before" order, first node repeated last.
    """
    needs_order = list(reversed(cycle))
    addresses = [parse_address(a) for a in needs_order[:-1]]
    jobs = [a.name for a in addresses if a.kind == "nomad_job"]
    if jobs:
        return " -> ".join([*jobs, jobs[0]])
    return " -> ".join(needs_order)


def cycle_error(cycle: list[str]) -> ConfigError:
    chain = "\n".join(f"  {a}" for a in reversed(cycle))
    return ConfigError([Diagnostic(
        Severity.ERROR,
        f"dependency cycle: {describe_cycle(cycle)}",
        detail=("Each resource below needs the next one first, so none can be applied:\n"
                f"{chain}\nRemove an upstream, depends_on or intention to break the cycle."),
        address=cycle[0],
    )])


@dataclass(frozen=True)
class ServiceGraph:
    """Job name -> the services it dials (``upstreams``) and the jobs it waits for
    (``depends_on``).

    ``owner`` maps each service name a job registers under another name (a raw job's
    ``service`` blocks: hashicups' ``database`` in job ``hashicups``) to that job.
    ``external`` are upstream names that neither a job nor a job's service answers to.
    """

    upstreams: Mapping[str, tuple[str, ...]]
    depends_on: Mapping[str, tuple[str, ...]]
    external: frozenset[str]
    owner: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config) -> ServiceGraph:
        names = set(config.job_names)
        owner = {service: job.name for job in config.jobs for service in job.services
                 if service not in names}
        dials = upstreams_of(config)
        waits = depends_on_of(config)
        external = {u for targets in dials.values() for u in targets
                    if u not in names and u not in owner}
        return cls(
            upstreams={n: dials.get(n, ()) for n in sorted(names)},
            depends_on={n: waits.get(n, ()) for n in sorted(names)},
            external=frozenset(external),
            owner=owner,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.upstreams)


@dataclass(frozen=True)
class Graph:
    """What ``ncplan graph`` shows: the service graph, the resource graph and its order."""

    services: ServiceGraph
    resources: ResourceGraph
    apply_order: list[list[str]]


def build_graph(config: Config, resources: Iterable[DesiredResource]) -> Graph:
    """Both graphs and the apply order; raises ConfigError on a cycle."""
    resource_graph = ResourceGraph.of(resources)
    return Graph(ServiceGraph.of(config), resource_graph, resource_graph.apply_order())


def apply_order(resources: Iterable[DesiredResource]) -> list[list[str]]:
    return ResourceGraph.of(resources).apply_order()


def destroy_order(resources: Iterable[DesiredResource]) -> list[list[str]]:
    return ResourceGraph.of(resources).destroy_order()
