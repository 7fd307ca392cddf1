"""What a run resolves before it lowers the configuration, once, under the state lock.

Lowering depends on two things only a run can learn: whether sidecar identities are on
(``defaults.sidecar_identity``; unset: whether Consul has ACLs enabled, or, under
``--no-refresh``, whether the state records sidecar tokens) and, with a refresh, each raw
job's dependencies as Nomad's parse of it shows them (``dynamic`` blocks expanded). Both
are resolved here (the mesh policy first, then the parses, concurrently: failures come in
the order the refresh reported them), then the run lowers once
(:class:`~ncplan.resources.lowered.Lowered`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ncplan.config.model import Config
from ncplan.config.rawjob import with_parsed_dependencies
from ncplan.kinds import consul_acl_token
from ncplan.kinds.nomad_job import parse_tasks
from ncplan.orchestration.refresh import check_parallelism, run_tasks
from ncplan.providers.clients import Providers
from ncplan.resources.lowered import Lowered
from ncplan.resources.sidecar_identity import resolve_sidecar_identity
from ncplan.state.model import State


@dataclass(frozen=True)
class Resolved:
    """``config``: the configuration the run plans (raw jobs' dependencies read from the
    jobs Nomad parsed, when it parsed them: ``parsed_jobs``); ``sidecar_identity``: whether
    identities are on; ``lineage``: the one the plan writes as its own (the state's, or a
    new one the first apply's state gets)."""

    config: Config
    sidecar_identity: bool
    lineage: str
    parsed_jobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def lowered(self) -> Lowered:
        """The run's one lowering and graph; raises ConfigError on a cycle."""
        return Lowered.of(self.config, self.sidecar_identity)


def lineage_for(state: State | None) -> str:
    """The state's lineage, or a new one for the state the first apply creates."""
    return state.lineage if state is not None else str(uuid.uuid4())


def records_tokens(state: State | None) -> bool:
    """Whether the state records sidecar identity tokens."""
    return state is not None and any(r.kind == consul_acl_token.NAME for r in state.resources)


def resolve_offline(config: Config, state: State | None) -> Resolved:
    """``--no-refresh``: nothing is asked; raw jobs keep the dependencies their text shows."""
    identity = resolve_sidecar_identity(config.defaults.sidecar_identity, None,
                                        records_tokens(state))
    return Resolved(config, identity, lineage_for(state))


def resolve_live(config: Config, state: State | None, providers: Providers,
                 parallelism: int) -> Resolved:
    """Ask Consul whether it has ACLs (unless ``sidecar_identity`` is declared), then
    Nomad to parse every raw job, concurrently (the first failure raised, as the refresh
    raises it)."""
    check_parallelism(parallelism)
    declared = config.defaults.sidecar_identity
    acl = None if declared is not None else providers.intentions.mesh_policy().acl_enabled
    identity = resolve_sidecar_identity(declared, acl, records_tokens(state))
    parsed: dict[str, Mapping[str, Any]] = {}
    if config.jobs:
        with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="parse") as pool:
            parsed = dict(run_tasks(pool, parse_tasks(providers, config.jobs)))
    planned = with_parsed_dependencies(config, parsed) if parsed else config
    return Resolved(planned, identity, lineage_for(state), parsed)
