"""Making a plan: load -> lower -> graph -> state (under the lock) -> refresh -> diff.

The core ``plan`` calls (and ``apply`` will): each step is another module's job; this one
only strings them together. The state lock is held while the state is read and the live
objects are refreshed, as Terraform does, so a plan made during an apply waits for it
(``--lock-timeout``) or fails naming the holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ncplan.commands.config_loading import load
from ncplan.commands.context import AppContext
from ncplan.config.model import Config
from ncplan.planner.build import build_plan, request_for
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


def read_live(manager: StateManager, config: Config, desired: Sequence[DesiredResource],
              options: PlanOptions) -> tuple[State | None, Refreshed | None]:
    """The state and, unless ``--no-refresh``, the live objects, under the state lock."""
    with locked(manager, "plan", options.lock_timeout, manager.description):
        state = manager.read()
        if not options.refresh:
            return state, None
        return state, refresh(desired, state, config, parallelism=options.parallelism)


def make_plan(app: AppContext, options: PlanOptions) -> PlanRun:
    """The plan for the configuration in ``app.directory``; raises NcplanError."""
    config = load(app, options.var, options.var_file)
    desired = lower_config(config)
    ResourceGraph.of(desired).apply_order()  # a cycle is an error before any I/O
    manager = open_backend(config.backend, app.directory, config.consul)
    state, refreshed = read_live(manager, config, desired, options)
    request = request_for(config, state, refreshed, mode=options.mode,
                          targets=options.targets, config_digest=config_digest(config))
    return PlanRun(config=config, desired=desired, manager=manager,
                   plan=build_plan(request))
