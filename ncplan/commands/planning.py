"""Making a plan: load -> lower -> graph -> state (under the lock) -> refresh -> diff.

The core ``plan`` and ``apply`` call: each step is another module's job; this one
only strings them together. The state lock is held while the state is read and the live
objects are refreshed, as Terraform does, so a plan made during an apply waits for it
(``--lock-timeout``) or fails naming the holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ncplan.commands.config_loading import load
from ncplan.commands.context import AppContext
from ncplan.config.model import Config
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.model import Plan, PlanMode
from ncplan.planner.planfile import configuration_digest
from ncplan.providers.live import Refreshed
from ncplan.providers.refresh import DEFAULT_PARALLELISM, refresh
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.resources.graph import ResourceGraph
from ncplan.state import StateManager, locked, open_backend
from ncplan.state.model import State


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


@dataclass(frozen=True)
class PlanRun:
    """A plan and what it was made from (apply writes through ``manager``)."""

    config: Config
    desired: tuple[DesiredResource, ...]
    manager: StateManager
    plan: Plan


def config_digest(config: Config) -> str:
    """The digest of the configuration's files and resolved variable values."""
    directory = Path(config.directory)
    files = [(name, (directory / name).read_text(encoding="utf-8")) for name in config.files]
    values = {name: variable.value for name, variable in config.variables.items()}
    return configuration_digest(files, values)


@dataclass(frozen=True)
class Prepared:
    """The configuration loaded and lowered, and its state backend (nothing read yet)."""

    config: Config
    desired: tuple[DesiredResource, ...]
    manager: StateManager

    @property
    def digest(self) -> str:
        return config_digest(self.config)


def prepare(app: AppContext, options: PlanOptions) -> Prepared:
    """Load, lower and check the graph (a cycle is an error before any I/O)."""
    config = load(app, options.var, options.var_file)
    desired = lower_config(config)
    ResourceGraph.of(desired).apply_order()
    manager = open_backend(config.backend, app.directory, config.consul)
    return Prepared(config=config, desired=desired, manager=manager)


def refresh_for(prepared: Prepared, state: State | None,
                options: PlanOptions) -> Refreshed | None:
    """The live objects, unless ``--no-refresh``; the caller holds the state lock."""
    if not options.refresh:
        return None
    return refresh(prepared.desired, state, prepared.config, parallelism=options.parallelism)


def plan_under_lock(prepared: Prepared, options: PlanOptions) -> tuple[State | None, Plan]:
    """Read the state, refresh and diff; the caller holds the state lock (``apply`` keeps
    it from the plan through the apply, as Terraform does)."""
    state = prepared.manager.read()
    refreshed = refresh_for(prepared, state, options)
    request = request_for(prepared.config, state, refreshed, mode=options.mode,
                          targets=options.targets, config_digest=prepared.digest)
    plan = build_plan(request)
    check_prevent_destroy(plan, prepared.config)  # an error at plan time, as Terraform's
    return state, plan


def make_plan(app: AppContext, options: PlanOptions) -> PlanRun:
    """The plan for the configuration in ``app.directory``; raises NcplanError."""
    prepared = prepare(app, options)
    manager = prepared.manager
    with locked(manager, "plan", options.lock_timeout, manager.description):
        _, plan = plan_under_lock(prepared, options)
    return PlanRun(config=prepared.config, desired=prepared.desired, manager=manager,
                   plan=plan)
