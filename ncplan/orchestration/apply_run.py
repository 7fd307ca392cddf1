"""Applying: the core ``apply`` and ``destroy`` call; the commands only read flags.

Without a plan file: take the state lock, plan (as ``plan`` does), show the plan, ask,
apply, all under that one lock (Terraform holds it from the plan through the apply, so
nobody writes between what was shown and what is done). With a plan file: take the lock,
refuse the plan when it is stale (another lineage, a newer state serial, a changed
configuration digest, or a live index that moved since the plan, read in each change's
own cluster with cluster blocks), else apply exactly it,
its sensitive values (saved redacted) restored from the configuration.
The lock is released on every path (``locked`` also on Ctrl-C and errors).

``prevent_destroy`` is checked once, before anything is asked or done (by the plan, or
after reading the plan file). Before anything is
written, the state is reconciled with what the plan's refresh read
(:mod:`ncplan.planner.reconcile`: objects already gone dropped, and said so, objects
carrying this state's lineage recorded); a plan with no changes applies nothing else.
A refresh-only plan writes the refreshed state and nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ncplan.errors import NcplanError
from ncplan.orchestration.cluster_planfile import moved_in_clusters, restored_in_clusters
from ncplan.orchestration.clusters import ClusterRollouts, cluster_executors
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.executors import executors
from ncplan.orchestration.live_indexes import moved_indexes
from ncplan.orchestration.plan_run import PlanOptions, Prepared, plan_under_lock, prepare
from ncplan.orchestration.rollback_run import restoring_executors, roll_back
from ncplan.orchestration.rollout import RolloutWaiter
from ncplan.orchestration.saved_plan_secrets import restored_plan
from ncplan.planner import planfile
from ncplan.planner.edges import with_current_edges
from ncplan.planner.engine import (
    ApplyOptions,
    ApplyResult,
    ResourceExecutor,
    WaitForRollout,
    WaitForStop,
    apply_plan,
)
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.model import Plan, PlanMode
from ncplan.planner.reconcile import reconciled
from ncplan.providers.nomad_deployment import DEFAULT_WAIT_TIMEOUT
from ncplan.resources.lowered import Lowered
from ncplan.state import StateManager, locked
from ncplan.state.model import State
from ncplan.transport.nomad import NomadHttpSettings
from ncplan.views.apply_output import ApplyUi


class StalePlan(NcplanError):
    """A saved plan that no longer fits the state, the configuration or the live objects."""


@dataclass(frozen=True)
class ApplySettings:
    """What the flags of ``apply``/``destroy`` ask for."""

    plan: PlanOptions = field(default_factory=PlanOptions)
    plan_file: Path | None = None
    auto_approve: bool = False
    wait: bool = True
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    rollback_on_failure: bool = False  # --rollback-on-failure (or apply { } in the files)

    @property
    def destroy(self) -> bool:
        return self.plan.mode is PlanMode.DESTROY


class Ending(enum.Enum):
    APPLIED = "applied"  # result says how it went
    NOTHING = "nothing"  # the plan had no changes
    CANCELLED = "cancelled"  # the answer was not yes


@dataclass(frozen=True)
class ApplyOutcome:
    ending: Ending
    result: ApplyResult | None = None
    destroy: bool = False  # the plan was a destroy plan (says "Destroy complete!")
    forgotten: tuple[str, ...] = ()  # recorded objects already gone, dropped from the state


def run_apply(app: AppContext, settings: ApplySettings, ui: ApplyUi) -> ApplyOutcome:
    """Plan (or read the plan file), check, ask, apply; raises NcplanError."""
    prepared = prepare(app, settings.plan)
    manager = prepared.manager
    operation = "destroy" if settings.destroy else "apply"
    with locked(manager, operation, settings.plan.lock_timeout, manager.description):
        if settings.plan_file is not None:
            plan = planfile.read(settings.plan_file)
            state = manager.read()
            check_fresh(plan, state, prepared, settings.plan.parallelism)
            plan = _restored(plan, prepared)
            check_prevent_destroy(plan, prepared.config)
            if plan.is_empty():
                ui.show_plan(plan)
        else:
            state, run = plan_under_lock(prepared, settings.plan)  # prevent_destroy checked
            plan = run.plan
            ui.show_plan(plan)
        return _carry_out(plan, state, prepared, settings, ui)


def check_fresh(plan: Plan, state: State | None, prepared: Prepared,
                parallelism: int) -> None:
    """Raise :class:`StalePlan` saying every reason the saved ``plan`` no longer fits."""
    reasons = planfile.stale_reasons(plan, state, prepared.digest)
    if not reasons and plan.actionable and prepared.clusters:
        reasons = moved_in_clusters(plan, prepared.clusters, parallelism)
    elif not reasons and plan.actionable:
        reasons = [m.reason for m in moved_indexes(plan.actionable, prepared.providers,
                                                   parallelism=parallelism)]
    if reasons:
        raise StalePlan("the saved plan is stale: " + "; ".join(reasons),
                        hint="make a new plan (ncplan plan --out FILE) and apply that")


def _restored(plan: Plan, prepared: Prepared) -> Plan:
    """The saved plan's sensitive values back from the configuration (each cluster's
    from its own view of it)."""
    if prepared.clusters:
        return restored_in_clusters(plan, prepared.clusters)
    lowered = Lowered.of(prepared.config, plan.sidecar_identity)
    return restored_plan(plan, prepared.config, lowered.desired, prepared.providers)


def _carry_out(plan: Plan, state: State | None, prepared: Prepared,
               settings: ApplySettings, ui: ApplyUi) -> ApplyOutcome:
    destroy = plan.mode is PlanMode.DESTROY
    if plan.mode is PlanMode.REFRESH_ONLY:
        return _write_refreshed(plan, state, prepared)
    if plan.is_empty():
        reconcile(plan, state, prepared.manager, prepared.config.sensitive_values(), ui)
        return ApplyOutcome(Ending.NOTHING, destroy=destroy, forgotten=plan.forgotten)
    if settings.plan_file is None and not settings.auto_approve \
            and not ui.approve(destroy):
        return ApplyOutcome(Ending.CANCELLED, destroy=destroy)
    state = reconcile(plan, state, prepared.manager, prepared.config.sensitive_values(), ui)
    edged = record_edges(plan, state, prepared.manager)
    return ApplyOutcome(Ending.APPLIED, execute(plan, edged, prepared, settings, ui,
                                                unedged=state),
                        destroy=destroy, forgotten=plan.forgotten)


def reconcile(plan: Plan, state: State | None, manager: StateManager,
              secrets: frozenset[str], ui: ApplyUi) -> State | None:
    """Write the state reconciled with the plan's refresh (see
    :func:`~ncplan.planner.reconcile.reconciled`) before anything else is written, and
    say which recorded objects were already gone."""
    new = reconciled(plan, state, secrets)
    if new is state or new is None:
        return state
    manager.write(new)
    persisted = manager.persist()
    dropped = [a for a in plan.forgotten if state is not None and a in state.addresses]
    if dropped:
        ui.forgotten(tuple(dropped))
    return persisted if persisted is not None else new


def record_edges(plan: Plan, state: State | None, manager: StateManager) -> State | None:
    """Record the configuration's edges for the resources this apply leaves alone (see
    :mod:`ncplan.planner.edges`); one state write, only when one changed."""
    if state is None:
        return None
    current = with_current_edges(state, plan.changes)
    if current.same_content(state):
        return state
    manager.write(current)
    return manager.persist()


def _write_refreshed(plan: Plan, state: State | None, prepared: Prepared) -> ApplyOutcome:
    """A refresh-only plan: record what the refresh found, change nothing live."""
    written = state
    if plan.next_state is not None and state is not None:
        prepared.manager.write(replace(plan.next_state, lineage=state.lineage))
        written = prepared.manager.persist()
    return ApplyOutcome(Ending.APPLIED, ApplyResult(state=written))


def execute(plan: Plan, state: State | None, prepared: Prepared, settings: ApplySettings,
            ui: ApplyUi, unedged: State | None = None) -> ApplyResult:
    """The engine over the real providers (every cluster's at once, each change written
    and each rollout followed in the cluster its address names), the rollouts followed
    unless ``--no-wait``; with rollback on failure, a failed run restored (to ``state``,
    its edges those of ``unedged``, the state before :func:`record_edges`) by the same
    executors' restoring wrappers."""
    config = prepared.config
    secrets = config.sensitive_values()
    rollback = not settings.destroy and (settings.rollback_on_failure
                                         or config.apply.rollback_on_failure)
    if state is None:  # the lineage the writes are marked with is on disk before them,
        # so a run stopped before its first record still owns what it wrote
        prepared.manager.write(State.new(lineage=plan.lineage))
        state = prepared.manager.persist()
    before = state if state is not None else State.new(lineage=plan.lineage)
    lineage = _owner(plan, state)
    wait_for_rollout: WaitForRollout
    wait_for_stop: WaitForStop
    if config.clusters:
        waiters = {name: RolloutWaiter(part.providers.jobs.settings,
                                       timeout=settings.wait_timeout)
                   for name, part in prepared.clusters.items()}
        rollouts = ClusterRollouts(waiters, {n: w.stopped for n, w in waiters.items()})
        per_cluster = {name: executors(part.providers, secrets=secrets, lineage=lineage)
                       for name, part in prepared.clusters.items()}
        kinds = cluster_executors(per_cluster)

        def restoring() -> Mapping[str, ResourceExecutor]:
            return cluster_executors({
                name: restoring_executors(found, prepared.clusters[name].providers.jobs,
                                          before, secrets)
                for name, found in per_cluster.items()})
        wait_for_rollout, wait_for_stop = rollouts, rollouts.stopped
    else:
        waiter = RolloutWaiter(NomadHttpSettings.resolve(config.nomad),
                               timeout=settings.wait_timeout)
        kinds = executors(prepared.providers, secrets=secrets, lineage=lineage)

        def restoring() -> Mapping[str, ResourceExecutor]:
            return restoring_executors(kinds, prepared.providers.jobs, before, secrets)
        wait_for_rollout, wait_for_stop = waiter, waiter.stopped
    options = ApplyOptions(parallelism=settings.plan.parallelism, wait=settings.wait,
                           wait_for_rollout=wait_for_rollout, wait_for_stop=wait_for_stop,
                           secrets=secrets, halt_on_failure=rollback)
    # no ``config``: prevent_destroy was checked once, by the plan or the plan file's read
    try:  # each step's record is appended to the state journal, the state written at the end
        with prepared.manager.journaled():
            result = apply_plan(plan, before, prepared.manager, kinds, hooks=ui.hooks,
                                options=options)
            if not rollback:
                return result
            return roll_back(plan, before, result, prepared.manager, restoring(), ui,
                             options, original=unedged)
    finally:
        ui.close()


def _owner(plan: Plan, state: State | None) -> str:
    """The lineage every write is marked with: the state's (a plan made without a state
    chose the one the new state gets)."""
    return state.lineage if state is not None else plan.lineage
