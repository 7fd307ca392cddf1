"""Making a plan: load -> state (under the lock) -> resolve -> lower and graph, once ->
refresh -> diff.

The core ``plan`` and ``apply`` call: each step is another module's job; this one
only strings them together. The state lock is held while the state is read and the live
objects are refreshed, as Terraform does, so a plan made during an apply waits for it
(``--lock-timeout``) or fails naming the holder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from ncplan.address import in_cluster
from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.orchestration.clusters import (
    check_clusters_known,
    cluster_env,
    in_the_cluster,
    keyed_plan,
    merged_plan,
    side_by_side,
    state_in,
    targets_in,
)
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import load
from ncplan.orchestration.refresh import refresh
from ncplan.orchestration.resolution import (
    Resolved,
    lineage_for,
    resolve_live,
    resolve_offline,
)
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.model import Plan, PlanMode
from ncplan.planner.planfile import configuration_digest
from ncplan.providers.clients import Providers
from ncplan.resources.desired import DesiredResource
from ncplan.resources.lowered import Lowered
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
    """A plan, the configuration it was made from, and what that configuration's one
    lowering desired: exactly what the plan diffed (with several clusters, every
    cluster's, each address keyed)."""

    config: Config
    desired: tuple[DesiredResource, ...]
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
    """The configuration loaded and its state backend (nothing read, nothing lowered: a
    run lowers once it has resolved what lowering depends on, see
    :mod:`ncplan.orchestration.resolution`)."""

    config: Config
    manager: StateManager
    parallelism: int = DEFAULT_PARALLELISM  # requests at once: the connections kept alive
    env: Mapping[str, str] | None = None  # what the providers read; None: os.environ

    @property
    def digest(self) -> str:
        return config_digest(self.config)

    @cached_property
    def providers(self) -> Providers:
        """The clients of the configured Nomad and Consul, made on first use and shared
        by the refresh, the staleness check, the restoring and the apply."""
        return Providers.from_config(self.config, self.env, parallelism=self.parallelism)

    @cached_property
    def clusters(self) -> dict[str, Prepared]:
        """Each declared cluster's run: its view of the configuration, its own providers
        (made on first use), the one state backend; empty without cluster blocks."""
        env = os.environ if self.env is None else self.env
        return {cluster.name: replace(self, config=in_the_cluster(self.config, cluster),
                                      env=cluster_env(cluster, env))
                for cluster in self.config.clusters}


def prepare(app: AppContext, options: PlanOptions) -> Prepared:
    """Load the configuration (a cycle its text shows is an error here, before any I/O)
    and open its state backend."""
    config = load(app, options.var, options.var_file, nomad_parses=options.refresh)
    return Prepared(config=config, manager=open_backend(config.backend, app.directory,
                                                       config.consul),
                    parallelism=options.parallelism)


def resolve(prepared: Prepared, state: State | None, options: PlanOptions) -> Resolved:
    """What lowering depends on, for a run against ``state`` (read under the lock)."""
    if not options.refresh:
        return resolve_offline(prepared.config, state)
    return resolve_live(prepared.config, state, prepared.providers, options.parallelism)


def plan_under_lock(prepared: Prepared, options: PlanOptions) -> tuple[State | None, PlanRun]:
    """Read the state, refresh and diff; the caller holds the state lock (``apply`` keeps
    it from the plan through the apply, as Terraform does)."""
    state = prepared.manager.read()
    return state, plan_for_state(prepared, state, options)


def plan_for_state(prepared: Prepared, state: State | None, options: PlanOptions) -> PlanRun:
    """Resolve, lower once, refresh and diff against ``state``, already read under the
    state lock; ``prevent_destroy`` checked (an error at plan time, as Terraform's)."""
    check_clusters_known(state, options.targets, list(prepared.clusters))
    if prepared.clusters:
        return plan_clusters(prepared, state, options)
    resolved = resolve(prepared, state, options)
    return plan_lowered(prepared, state, options, resolved, resolved.lowered())


def plan_clusters(prepared: Prepared, state: State | None, options: PlanOptions) -> PlanRun:
    """Every cluster planned against its part of ``state``, side by side, then merged
    into one plan of keyed addresses (see :mod:`ncplan.orchestration.clusters`)."""
    lineage = lineage_for(state)

    def one(name: str) -> tuple[str, Plan, tuple[DesiredResource, ...]] | None:
        targets = targets_in(options.targets, name)
        if targets is None:
            return None
        part = prepared.clusters[name]
        scoped = replace(options, targets=targets)
        resolved = replace(resolve(part, state_in(state, name), scoped), lineage=lineage)
        run = plan_lowered(part, state_in(state, name), scoped, resolved,
                           resolved.lowered())
        return name, keyed_plan(run.plan, name), tuple(
            replace(r, address=in_cluster(r.address, name)) for r in run.desired)

    found = [r for r in side_by_side(list(prepared.clusters), one) if r is not None]
    if not found:
        raise NcplanError("no --target names a declared cluster",
                          hint="clusters: " + ", ".join(prepared.clusters))
    plan = merged_plan({name: p for name, p, _ in found}, state, lineage)
    return PlanRun(config=prepared.config, desired=tuple(r for _, _, d in found for r in d),
                   plan=plan)


def plan_lowered(prepared: Prepared, state: State | None, options: PlanOptions,
                 resolved: Resolved, lowered: Lowered) -> PlanRun:
    """The plan of the run's one lowering (``import`` checks its address against it
    first)."""
    config = resolved.config
    refreshed = None
    if options.refresh:
        refreshed = refresh(lowered.desired, state, config, parallelism=options.parallelism,
                            providers=prepared.providers, lineage=resolved.lineage,
                            parsed=resolved.parsed_jobs)
    plan = build_plan(request_for(config, state, refreshed, mode=options.mode,
                                  targets=options.targets, config_digest=prepared.digest,
                                  desired=lowered.desired,
                                  sidecar_identity=lowered.sidecar_identity,
                                  lineage=resolved.lineage))
    check_prevent_destroy(plan, config)
    return PlanRun(config=config, desired=lowered.desired, plan=plan)


def make_plan(app: AppContext, options: PlanOptions) -> PlanRun:
    """The plan for the configuration in ``app.directory``; raises NcplanError."""
    prepared = prepare(app, options)
    manager = prepared.manager
    with locked(manager, "plan", options.lock_timeout, manager.description):
        _, run = plan_under_lock(prepared, options)
    return run
