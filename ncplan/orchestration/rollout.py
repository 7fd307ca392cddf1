"""The apply engine's ``wait_for_rollout`` and ``wait_for_stop``: a registered job's
rollout (and a deleted job's stop) followed by the provider's deployment watcher, reported
through the engine's hooks."""

from __future__ import annotations

import threading

from ncplan.planner.hooks import ApplyHooks
from ncplan.planner.model import ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.providers.nomad_deployment import DEFAULT_WAIT_TIMEOUT, DeploymentWatcher
from ncplan.transport.nomad import NomadHttpSettings


class RolloutWaiter:
    """The ``wait_for_rollout(change, job_modify_index, hooks)`` the apply engine calls
    after registering a job: follows it and reports through ``hooks.deployment_progress``.
    """

    def __init__(self, settings: NomadHttpSettings, *,
                 timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
        self.watcher = DeploymentWatcher(settings, timeout=timeout)

    def __call__(self, change: ResourceChange, job_modify_index: int, hooks: ApplyHooks,
                 stop: threading.Event | None = None) -> DeploymentProgress:
        return self.watcher.follow(change.name, job_modify_index,
                                   lambda progress: hooks.deployment_progress(change, progress),
                                   stop)

    def stopped(self, change: ResourceChange, stop: threading.Event) -> str | None:
        """The engine's ``wait_for_stop``: after a job's delete, until its allocations
        stopped; None, or why not."""
        return self.watcher.follow_stop(change.name, stop)
