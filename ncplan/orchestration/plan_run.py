"""Making a plan: load -> lower -> graph -> state (under the lock) -> refresh -> diff.

The core ``plan`` and ``apply`` call: each step is another module's job; this one
only strings them together. The state lock is held while the state is read and the live
objects are refreshed, as Terraform does, so a plan made during an apply waits for it
(``--lock-timeout``) or fails naming the holder.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ncplan.config.model import Config
from ncplan.config.rawjob import with_parsed_dependencies
from ncplan.errors import NcplanError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import load
from ncplan.orchestration.refresh import refresh
from ncplan.planner.build import PlanRequest, build_plan, request_for
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.model import Plan, PlanMode
from ncplan.planner.planfile import configuration_digest
from ncplan.providers.clients import Providers
from ncplan.providers.live import Refreshed
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.resources.graph import ResourceGraph
from ncplan.resources.sidecar_identity import resolve_sidecar_identity
from ncplan.state import StateManager, locked, open_backend
from ncplan.state.model import State
from ncplan.transport.http import DEFAULT_PARALLELISM


@dataclass(frozen=True)
class PlanOptions:
    """What the flags of ``plan`` ask for."""

    mode: PlanMode = PlanMode.NORMAL
    targets: tuple[str, ...] = ()
    refresh: bool = True
    lock_timeout: float = 0.0
    parallelism: int = DEFAULT_PARALLELISM
    var: tuple[str, ...] = ()
    var_file: tuple[Path, ...] = ()


def plan_mode(destroy: bool, refresh_only: bool) -> PlanMode:
    if destroy and refresh_only:
        raise NcplanError("--destroy and --refresh-only cannot be combined")
    if destroy:
        return PlanMode.DESTROY
    return PlanMode.REFRESH_ONLY if refresh_only else PlanMode.NORMAL


def plan_options(mode: PlanMode, target: list[str] | None, no_refresh: bool,
                 lock_timeout: float, parallelism: int, var: list[str] | None,
                 var_file: list[Path] | None) -> PlanOptions:
    """The flags ``plan``, ``apply`` and ``destroy`` share, as the core takes them."""
    return PlanOptions(
        mode=mode, targets=tuple(target or ()), refresh=not no_refresh,
        lock_timeout=lock_timeout, parallelism=parallelism,
        var=tuple(var or ()), var_file=tuple(var_file or ()))


@dataclass(frozen=True)
class PlanRun:
    """A plan and the configuration it was made from."""

    config: Config
    plan: Plan


def config_digest(config: Config) -> str:
    """The digest of the configuration's files, resolved variable values and the values
    sent with each raw job (a jobspec's may come from NOMAD_VAR_*)."""
    directory = Path(config.directory)
    files = [(name, (directory / name).read_text(encoding="utf-8")) for name in config.files]
    values = {name: variable.value for name, variable in config.variables.items()}
    values.update({f"nomad_job.{job.name}:{name}": value  # the values sent with raw jobs
                   for job in config.jobs for name, value in job.variables.items()})
    return configuration_digest(files, values)


@dataclass(frozen=True)
class Prepared:
    """The configuration loaded and lowered, and its state backend (nothing read yet).

    ``desired`` follows ``defaults.sidecar_identity`` as declared (unset: off); a plan
    lowers again once it knows whether Consul has ACLs (see :func:`refresh_for`)."""

    config: Config
    desired: tuple[DesiredResource, ...]
    manager: StateManager
    parallelism: int = DEFAULT_PARALLELISM  # requests at once: the connections kept alive

    @property
    def digest(self) -> str:
        return config_digest(self.config)

    @cached_property
    def providers(self) -> Providers:
        """The clients of the configured Nomad and Consul, made on first use and shared
        by the refresh, the staleness check, the restoring and the apply."""
        return Providers.from_config(self.config, parallelism=self.parallelism)


@dataclass(frozen=True)
class UnderLock:
    """What the plan learns under the lock: whether sidecar identities are on, the live
    objects (``None`` under ``--no-refresh``), and the lineage the plan writes as its own
    (the state's, or a new one the first apply's state gets)."""

    identity: bool
    refreshed: Refreshed | None
    lineage: str = ""


def lineage_for(state: State | None) -> str:
    """The state's lineage, or a new one for the state the first apply creates."""
    return state.lineage if state is not None else str(uuid.uuid4())


def prepare(app: AppContext, options: PlanOptions) -> Prepared:
    """Load, lower and check the graph (a cycle is an error before any I/O; identities
    on, the largest graph)."""
    config = load(app, options.var, options.var_file, nomad_parses=options.refresh)
    ResourceGraph.of(lower_config(config, True)).apply_order()
    manager = open_backend(config.backend, app.directory, config.consul)
    return Prepared(config=config, desired=lower_config(config), manager=manager,
                    parallelism=options.parallelism)


def planned_config(prepared: Prepared, refreshed: Refreshed | None) -> Config:
    """The configuration the plan is made from: raw jobs' dependencies read from the jobs
    Nomad parsed (``dynamic`` blocks expanded) when there was a refresh."""
    if refreshed is None or not refreshed.parsed_jobs:
        return prepared.config
    config = with_parsed_dependencies(prepared.config, refreshed.parsed_jobs)
    ResourceGraph.of(lower_config(config)).apply_order()  # a cycle only Nomad's parse shows
    return config


def records_tokens(state: State | None) -> bool:
    """Whether the state records sidecar identity tokens."""
    return state is not None and any(r.kind == "consul_acl_token" for r in state.resources)


def refresh_for(prepared: Prepared, state: State | None, options: PlanOptions) -> UnderLock:
    """Whether sidecar identities are on (unset: whether Consul has ACLs enabled, or,
    under ``--no-refresh``, whether the state records sidecar tokens) and, unless
    ``--no-refresh``, the live objects; the caller holds the state lock."""
    config = prepared.config
    declared = config.defaults.sidecar_identity
    lineage = lineage_for(state)
    if not options.refresh:
        return UnderLock(resolve_sidecar_identity(declared, None, records_tokens(state)), None,
                    lineage)
    providers = prepared.providers
    acl = None if declared is not None else providers.intentions.mesh_policy().acl_enabled
    identity = resolve_sidecar_identity(declared, acl, records_tokens(state))
    return UnderLock(identity, refresh(lower_config(config, identity), state, config,
                                  parallelism=options.parallelism, providers=providers,
                                  lineage=lineage), lineage)


def _request(prepared: Prepared, state: State | None, live: UnderLock,
             options: PlanOptions) -> PlanRequest:
    return request_for(planned_config(prepared, live.refreshed), state, live.refreshed,
                       mode=options.mode,
                       targets=options.targets, config_digest=prepared.digest,
                       sidecar_identity=live.identity, lineage=live.lineage)


def plan_under_lock(prepared: Prepared, options: PlanOptions) -> tuple[State | None, Plan]:
    """Read the state, refresh and diff; the caller holds the state lock (``apply`` keeps
    it from the plan through the apply, as Terraform does)."""
    state = prepared.manager.read()
    return state, plan_for_state(prepared, state, options)


def plan_for_state(prepared: Prepared, state: State | None, options: PlanOptions) -> Plan:
    """Refresh and diff against ``state``, already read under the state lock."""
    live = refresh_for(prepared, state, options)
    plan = build_plan(_request(prepared, state, live, options))
    check_prevent_destroy(plan, prepared.config)  # an error at plan time, as Terraform's
    return plan


def make_plan(app: AppContext, options: PlanOptions) -> PlanRun:
    """The plan for the configuration in ``app.directory``; raises NcplanError."""
    prepared = prepare(app, options)
    manager = prepared.manager
    with locked(manager, "plan", options.lock_timeout, manager.description):
        _, plan = plan_under_lock(prepared, options)
    return PlanRun(config=prepared.config, plan=plan)
