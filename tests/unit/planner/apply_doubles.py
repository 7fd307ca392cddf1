"""Test doubles for the apply engine's unit tests: executors that record the calls the
engine makes (they do not pretend to be Nomad or Consul), hooks that record what the
engine reports, and a state manager that keeps every persisted state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ncplan.errors import CheckAndSetConflict
from ncplan.planner.engine import Written
from ncplan.planner.hooks import ResourceOutcome
from ncplan.planner.model import Action, ResourceChange
from ncplan.providers.live import DeploymentProgress
from ncplan.state.backends.local import open_local
from ncplan.state.manager import StateManager
from ncplan.state.model import Edits, ResourceState, State

KINDS = ("nomad_job", "consul_intention", "consul_service_defaults")


def change(address: str, action: Action = Action.CREATE, *, depends_on: tuple[str, ...] = (),
           index: int = 0, body: dict[str, Any] | None = None) -> ResourceChange:
    kind, _, name = address.partition(".")
    after = None if action is Action.DELETE else (body or {"Name": name, "v": 2})
    before = None if action is Action.CREATE else {"Name": name, "v": 1}
    return ResourceChange(address=address, kind=kind, name=name, action=action,
                          before=before, after=after, observed_index=index,
                          depends_on=depends_on)


def recorded(address: str, index: int = 10, depends_on: tuple[str, ...] = ()) -> ResourceState:
    kind, _, name = address.partition(".")
    return ResourceState(address, kind, name, {"Name": name, "v": 1}, index, depends_on)


@dataclass
class Calls:
    """What the executors were asked, in order, and how many ran at once."""

    log: list[tuple[str, str]] = field(default_factory=list)  # ("start"|"end", "write A")
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0

    def started(self, what: str) -> None:
        with self.lock:
            self.log.append(("start", what))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def ended(self, what: str) -> None:
        with self.lock:
            self.log.append(("end", what))
            self.in_flight -= 1

    @property
    def started_order(self) -> list[str]:
        return [what for event, what in self.log if event == "start"]

    def index(self, what: str) -> int:
        return self.started_order.index(what)

    def ended_before_started(self, first: str, second: str) -> bool:
        return self.log.index(("end", first)) < self.log.index(("start", second))


Behaviour = Callable[[ResourceChange], None]


class RecordingExecutor:
    """Records each call; ``behave[address]`` runs inside the call (sleep, raise, wait)."""

    def __init__(self, calls: Calls, behave: dict[str, Behaviour] | None = None,
                 delay: float = 0.0, index_after: int = 100) -> None:
        self.calls = calls
        self.behave = behave or {}
        self.delay = delay
        self.index_after = index_after

    def _run(self, what: str, change: ResourceChange) -> None:
        self.calls.started(what)
        try:
            if self.delay:
                time.sleep(self.delay)
            if change.address in self.behave:
                self.behave[change.address](change)
        finally:
            self.calls.ended(what)

    def write(self, change: ResourceChange) -> Written:
        self._run(f"write {change.address}", change)
        assert change.after is not None
        state = ResourceState(change.address, change.kind, change.name, dict(change.after),
                              self.index_after, change.depends_on)
        return Written(state, wrote=True)

    def delete(self, change: ResourceChange) -> None:
        self._run(f"delete {change.address}", change)


def executors(calls: Calls, **kwargs: Any) -> dict[str, RecordingExecutor]:
    one = RecordingExecutor(calls, **kwargs)
    return {kind: one for kind in KINDS}


def fail(message: str) -> Behaviour:
    def behave(change: ResourceChange) -> None:
        raise CheckAndSetConflict(message)
    return behave


class RecordingHooks:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.on_pre: dict[str, Callable[[], None]] = {}
        self.on_post: dict[str, Callable[[], None]] = {}
        self.progress: list[DeploymentProgress] = []

    def pre_apply(self, change: ResourceChange) -> None:
        self.events.append(("pre", change.address, change.action.value))
        if change.address in self.on_pre:
            self.on_pre.pop(change.address)()

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        self.events.append(("post", change.address, outcome.error or "ok"))
        if change.address in self.on_post:
            self.on_post.pop(change.address)()

    def skipped(self, change: ResourceChange, reason: str) -> None:
        self.events.append(("skipped", change.address, reason))

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        self.progress.append(progress)

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        self.events.append(("stopping", ",".join(running), ",".join(not_awaited + stops)))


class KeepingManager:
    """A real local-file StateManager that also keeps each state it persisted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.inner: StateManager = open_local(path)
        self.persisted: list[State] = []

    def write(self, state: State, *, edits: Edits | None = None) -> None:
        self.inner.write(state, edits=edits)

    def persist(self) -> State | None:
        result = self.inner.persist()
        if result is not None:
            self.persisted.append(result)
        return result

    def on_disk(self) -> State | None:
        return open_local(self.path).read()


def start_state(manager: KeepingManager, *resources: ResourceState) -> State:
    """Persist ``resources`` as the prior state and return it (serial 1)."""
    manager.inner.write(State.new(resources))
    persisted = manager.inner.persist()
    assert persisted is not None
    return persisted
