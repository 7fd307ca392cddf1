"""The configuration lowered once for one run, and its resource graph. Pure.

A run (``plan``, ``apply``, ``import``) first resolves what lowering depends on (whether
sidecar identities are on; raw jobs' dependencies as Nomad parsed them), then lowers the
configuration once and builds the graph once, here: the refresh, the diff, the restoring
of a saved plan's secrets and the import all take the same :class:`Lowered`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ncplan.config.model import Config
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.resources.graph import ResourceGraph


@dataclass(frozen=True)
class Lowered:
    """``desired``: the configuration's resources with ``sidecar_identity`` resolved;
    ``graph``: their dependency graph, and ``apply_order`` its batches (computing them is
    where a cycle is an error)."""

    sidecar_identity: bool
    desired: tuple[DesiredResource, ...]
    graph: ResourceGraph
    apply_order: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, config: Config, sidecar_identity: bool) -> Lowered:
        """Lower ``config`` and order the result; raises ConfigError on a cycle."""
        desired = lower_config(config, sidecar_identity)
        graph = ResourceGraph.of(desired)
        order = tuple(tuple(batch) for batch in graph.apply_order())
        return cls(sidecar_identity, desired, graph, order)

    def resource(self, address: str) -> DesiredResource | None:
        """The desired resource at ``address``, if the configuration declares it."""
        return next((r for r in self.desired if r.address == address), None)
