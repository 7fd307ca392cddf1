"""What the apply engine tells whoever watches it. Views implement these; the engine never
prints (Terraform's hooks: PreApply, PostApply, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ncplan.planner.model import ResourceChange
from ncplan.providers.live import DeploymentProgress


@dataclass(frozen=True)
class ResourceOutcome:
    """How one resource's change ended: ``error`` is None on success; ``index`` is the live
    index after the write (0 after a delete); ``note`` says what was left undone (a
    rollout not awaited after an interrupt)."""

    address: str
    error: str | None = None
    index: int = 0
    seconds: float = 0.0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


class ApplyHooks(Protocol):
    def pre_apply(self, change: ResourceChange) -> None:
        """A resource's change starts."""

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        """A resource's change ended, well or not (its state is written already on success)."""

    def skipped(self, change: ResourceChange, reason: str) -> None:
        """A change was not started: a dependency failed, or the run was interrupted."""

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        """A registered job's rollout moved (only while waiting for deployments)."""

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        """The first interrupt: no step starts any more; ``running`` are the steps still
        finishing, ``not_awaited`` the registered jobs whose rollout is no longer followed
        (recorded as applied next, each with its ``post_apply``), ``stops`` the deleted
        jobs whose allocations' stop is no longer awaited (recorded as destroyed)."""


class NoHooks:
    """Hooks that do nothing, for callers that do not watch."""

    def pre_apply(self, change: ResourceChange) -> None:
        return None

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        return None

    def skipped(self, change: ResourceChange, reason: str) -> None:
        return None

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        return None

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        return None
