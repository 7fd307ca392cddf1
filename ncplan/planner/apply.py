"""The apply engine: carry out a :class:`Plan` in dependency order, in parallel, recording
each resource in the state as soon as it is done.

Order (see :mod:`.steps`): creates and updates after everything they depend on, deletes
before everything they depend on (reverse), a replace as its delete (reverse order) then
its create (forward order). :class:`graphlib.TopologicalSorter` hands out the steps whose
prerequisites are done; a :class:`~concurrent.futures.ThreadPoolExecutor` runs up to
``parallelism`` of them at once. A step whose prerequisite failed or was skipped is
skipped (``hooks.skipped``), and independent branches go on.

Threads: provider calls (and the rollout wait) run in the pool's threads; everything else
(hooks ``pre_apply``, ``post_apply``, ``skipped``; every state write) runs in the calling
thread, so the state has one writer. ``hooks.deployment_progress`` is called from a pool
thread by ``wait_for_rollout``.

State: after each step that succeeds, the state gets the resource (or loses it, for a
delete) through ``StateManager.write`` + ``persist`` (serial up, atomic store) before the
next result is looked at, so a crash loses at most the steps still running, and a second
apply starts from what the first recorded. The caller holds the lock.

Interrupts: the first :class:`KeyboardInterrupt` in the calling thread (Ctrl-C, and
SIGTERM as the CLI maps it) starts nothing new, waits for the running steps, records
them and returns an :class:`ApplyResult` with ``interrupted`` set (never-started steps
are reported skipped). A second one re-raises at once, without waiting for the running
steps; the state holds every step recorded so far (each store is atomic). Results are
recorded idempotently, so an interrupt landing in the middle of recording one loses
nothing: it is recorded again on the next turn.
"""

from __future__ import annotations

import concurrent.futures as cf
import graphlib
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.hooks import ApplyHooks, NoHooks, ResourceOutcome
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.planner.steps import Step, StepKind, plan_steps
from ncplan.providers.live import DeploymentProgress
from ncplan.state.manager import Persister, Writer
from ncplan.state.model import ResourceState, State

DEFAULT_PARALLELISM = 10
INTERRUPTED = "not started: the apply was interrupted"


@dataclass(frozen=True)
class Written:
    """What a write left: the state record, and whether anything was sent (a job whose
    Nomad plan changes nothing is not registered again, so it has no rollout)."""

    state: ResourceState
    wrote: bool = True


class ResourceExecutor(Protocol):
    """Carries out one resource kind's changes with check-and-set (see
    :mod:`ncplan.providers.executors`). Both raise :class:`NcplanError` on failure."""

    def write(self, change: ResourceChange) -> Written:
        """Create (``observed_index`` 0) or update the resource."""
        ...

    def delete(self, change: ResourceChange) -> None:
        """Delete the resource if it is still at ``observed_index``."""
        ...


class StateWriter(Writer, Persister, Protocol):
    """What the engine needs of a :class:`~ncplan.state.manager.StateManager`."""


WaitForRollout = Callable[[ResourceChange, int, ApplyHooks], DeploymentProgress]


@dataclass(frozen=True)
class Problem:
    """A resource that failed or was skipped, and why."""

    address: str
    reason: str


@dataclass(frozen=True)
class ApplyResult:
    """How an apply ended. Counts are Terraform's: a replace is one add and one destroy,
    each counted when its step succeeded. ``state`` is the state as last persisted."""

    succeeded: tuple[str, ...] = ()
    failed: tuple[Problem, ...] = ()
    skipped: tuple[Problem, ...] = ()
    interrupted: bool = False
    added: int = 0
    changed: int = 0
    destroyed: int = 0
    state: State | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and not self.interrupted


@dataclass(frozen=True)
class ApplyOptions:
    parallelism: int = DEFAULT_PARALLELISM
    wait: bool = True
    wait_for_rollout: WaitForRollout | None = None


@dataclass(frozen=True)
class _Done:
    """A step's end, computed in a pool thread."""

    record: ResourceState | None = None  # to put in the state (a write Nomad accepted)
    error: str | None = None
    index: int = 0
    seconds: float = 0.0


@dataclass
class _Run:
    """The mutable bookkeeping of one apply (owned by the calling thread)."""

    state: State
    outcomes: dict[str, str | None] = field(default_factory=dict)  # step key -> error
    skipped: dict[str, str] = field(default_factory=dict)  # step key -> reason
    interrupted: bool = False


def apply_plan(plan: Plan, state: State, manager: StateWriter,
               executors: Mapping[str, ResourceExecutor], *,
               hooks: ApplyHooks | None = None, options: ApplyOptions = ApplyOptions(),
               config: Config | None = None) -> ApplyResult:
    """Carry out ``plan`` starting from ``state`` (the persisted state the caller read
    under its lock). With ``config``, ``lifecycle { prevent_destroy = true }`` is checked
    first and a violation raises before anything is done."""
    if config is not None:
        check_prevent_destroy(plan, config)
    if options.parallelism < 1:
        raise NcplanError(f"parallelism must be 1 or more, got {options.parallelism}")
    engine = _Engine(manager, executors, hooks or NoHooks(), options)
    return engine.run(plan, state)


class _Engine:
    def __init__(self, manager: StateWriter, executors: Mapping[str, ResourceExecutor],
                 hooks: ApplyHooks, options: ApplyOptions) -> None:
        self.manager = manager
        self.executors = executors
        self.hooks = hooks
        self.options = options

    # ------------------------------------------------------------ the loop (caller's thread)

    def run(self, plan: Plan, state: State) -> ApplyResult:
        steps = plan_steps(plan.actionable)
        run = _Run(state=state)
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
            {key: step.needs for key, step in steps.items()})
        sorter.prepare()
        pool = cf.ThreadPoolExecutor(max_workers=self.options.parallelism,
                                     thread_name_prefix="ncplan-apply")
        running: dict[cf.Future[_Done], Step] = {}
        try:
            self._loop(sorter, steps, running, run, pool)
        except KeyboardInterrupt:  # the second one: stop at once
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return self._result(run, steps)

    def _loop(self, sorter: graphlib.TopologicalSorter[str], steps: Mapping[str, Step],
              running: dict[cf.Future[_Done], Step], run: _Run,
              pool: cf.ThreadPoolExecutor) -> None:
        ready: list[str] = []
        while True:
            try:
                if not run.interrupted:
                    ready.extend(sorted(sorter.get_ready()))
                    ready = self._start(ready, steps, running, run, pool, sorter)
                if not running and (run.interrupted or not sorter.is_active()):
                    return
                if not running:
                    continue  # skips were marked done: new steps may be ready
                finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: running[f].key):
                    self._finish(future, running, run, sorter)
            except KeyboardInterrupt:
                if run.interrupted:
                    raise
                run.interrupted = True

    def _start(self, ready: list[str], steps: Mapping[str, Step],
               running: dict[cf.Future[_Done], Step], run: _Run,
               pool: cf.ThreadPoolExecutor,
               sorter: graphlib.TopologicalSorter[str]) -> list[str]:
        """Submit ready steps while there is room; skip those whose prerequisite did not
        succeed. Returns the steps still waiting for room."""
        while ready and len(running) < self.options.parallelism:
            key = ready[0]
            step = steps[key]
            blocker = self._blocker(step, run)
            if blocker is not None:
                if key not in run.skipped:
                    run.skipped[key] = blocker
                    self.hooks.skipped(step.change, blocker)
                ready.pop(0)
                sorter.done(key)
                continue
            self.hooks.pre_apply(step.change)
            running[pool.submit(self._execute, step)] = step
            ready.pop(0)
        return ready

    def _blocker(self, step: Step, run: _Run) -> str | None:
        for need in step.needs:
            if run.outcomes.get(need):
                return f"depends on {_address(need)}, which failed"
            if need in run.skipped:
                reason = run.skipped[need]
                if reason.startswith("depends on "):
                    return reason
                return f"depends on {_address(need)}, which was skipped"
        return None

    def _finish(self, future: cf.Future[_Done], running: dict[cf.Future[_Done], Step],
                run: _Run, sorter: graphlib.TopologicalSorter[str]) -> None:
        """Record one finished step: the state first, then the outcome, the hook, and
        only then forget the future. Safe to run again for the same future (when an
        interrupt lands in the middle, the next turn records it again)."""
        step = running[future]
        done = future.result()
        if done.record is not None or (done.error is None and step.kind is StepKind.DELETE):
            self._record(step, done, run)
        first = step.key not in run.outcomes
        run.outcomes[step.key] = done.error
        if first:
            self.hooks.post_apply(step.change, ResourceOutcome(
                step.change.address, error=done.error, index=done.index,
                seconds=done.seconds))
        del running[future]
        sorter.done(step.key)

    def _record(self, step: Step, done: _Done, run: _Run) -> None:
        if done.record is not None:
            new = run.state.with_resource(done.record)
        else:
            new = run.state.without([step.change.address])
        if new.resources == run.state.resources:
            return
        self.manager.write(new)
        persisted = self.manager.persist()
        run.state = persisted if persisted is not None else new

    # ------------------------------------------------------------ one step (pool thread)

    def _execute(self, step: Step) -> _Done:
        started = time.monotonic()
        executor = self.executors.get(step.change.kind)
        if executor is None:
            return _Done(error=f"{step.change.address}: no executor for {step.change.kind}")
        try:
            if step.kind is StepKind.DELETE:
                executor.delete(step.change)
                return _Done(seconds=time.monotonic() - started)
            written = executor.write(step.change)
        except NcplanError as error:
            return _Done(error=error.message, seconds=time.monotonic() - started)
        index = written.state.observed_index
        failure = self._rollout(step.change, written)
        return _Done(record=written.state, error=failure, index=index,
                     seconds=time.monotonic() - started)

    def _rollout(self, change: ResourceChange, written: Written) -> str | None:
        """The reason a registered job's rollout failed, or None."""
        wait = self.options.wait_for_rollout
        if not (self.options.wait and wait and written.wrote and change.kind == "nomad_job"):
            return None
        try:
            progress = wait(change, written.state.observed_index, self.hooks)
        except NcplanError as error:
            return error.message
        if progress.status == "successful":
            return None
        return progress.reason or progress.description or f"deployment {progress.status}"

    # ------------------------------------------------------------ the result

    def _result(self, run: _Run, steps: Mapping[str, Step]) -> ApplyResult:
        for key in sorted(steps):
            if key not in run.outcomes and key not in run.skipped:
                run.skipped[key] = INTERRUPTED
                self.hooks.skipped(steps[key].change, INTERRUPTED)
        ok = [k for k, error in run.outcomes.items() if error is None]
        failed = {k: error for k, error in run.outcomes.items() if error is not None}
        counts = Counter(steps[k].counts_as for k in ok)
        bad = {_address(k) for k in [*failed, *run.skipped]}
        return ApplyResult(
            succeeded=tuple(sorted({_address(k) for k in ok} - bad)),
            failed=tuple(Problem(_address(k), r) for k, r in sorted(failed.items())),
            skipped=_problems(run.skipped, failed),
            interrupted=run.interrupted, added=counts["add"], changed=counts["change"],
            destroyed=counts["destroy"], state=run.state)


def _address(key: str) -> str:
    return key.split(" ", 1)[1]


def _problems(reasons: Mapping[str, str], exclude: Mapping[str, str]) -> tuple[Problem, ...]:
    """One problem per address (a replace's create is skipped when its delete failed)."""
    failed = {_address(k) for k in exclude}
    seen: dict[str, str] = {}
    for key, reason in sorted(reasons.items()):
        address = _address(key)
        if address not in failed:
            seen.setdefault(address, reason)
    return tuple(Problem(a, r) for a, r in sorted(seen.items()))


__all__ = ["Action", "ApplyOptions", "ApplyResult", "Problem", "ResourceExecutor",
           "StateWriter", "WaitForRollout", "Written", "apply_plan"]
