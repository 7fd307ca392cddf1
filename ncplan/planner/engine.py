"""The apply engine: carry out a :class:`Plan` in dependency order, in parallel, recording
each resource in the state as soon as it is done.

Order (see :mod:`.steps`, the graph the plan's printed "Apply order" comes from): creates
and updates after everything they depend on, deletes after everything that depended on
them in the state before (deleted first, or updated so that it no longer does), a replace
as its delete then its create. The state before is the plan's ``prior_state`` (else the
``state`` given). :class:`graphlib.TopologicalSorter` hands out the steps whose
prerequisites are done; a :class:`~concurrent.futures.ThreadPoolExecutor` runs up to
``parallelism`` of them at once. A step whose prerequisite failed or was skipped is
skipped (``hooks.skipped``), and independent branches go on.

Groups: ready steps that one request can carry (a :class:`GroupExecutor`'s same
``group_key``, the same kind of step: the intentions toward one destination) are handed
to one ``write_group`` or ``delete_group`` call; each is still a step of its own (its
hooks, its outcome, its record), a failure is each one's, and the group is one request
under ``parallelism``. A step whose prerequisite failed is not taken along.

Threads: one coordinator thread runs the sorter, calls the hooks ``pre_apply``,
``post_apply`` and ``skipped``, and makes every state write (one writer); the pool's
threads make the provider calls and wait for rollouts (``hooks.deployment_progress`` is
called from them). The caller's thread only waits, so Ctrl-C, which Python delivers to
the main thread, never lands in the middle of the bookkeeping.

State: after each step that succeeds, the state gets the resource (or loses it, for a
delete) through ``StateManager.write`` + ``persist`` (serial up, atomic store) before the
next result is looked at, so a crash loses at most the steps still running, and a second
apply starts from what the first recorded. The caller holds the lock.

Halt on failure (``ApplyOptions.halt_on_failure``, for ``--rollback-on-failure``): once a
step fails, no step starts; the running ones finish (rollouts followed to their end) and
are recorded; the never-started steps are reported skipped (``HALTED``). What restores
the run's changes is :mod:`ncplan.planner.rollback`'s plan, carried out by this engine
with ``skip_after_failure`` off: a restore that fails does not hold back the restores
ordered after it.

Interrupts: the first :class:`KeyboardInterrupt` in the caller's thread (Ctrl-C, and
SIGTERM as the CLI maps it) or raised by a hook starts nothing new and says so at once
(``hooks.stopping``); a registered job whose rollout is being followed is recorded as
applied right away, its rollout no longer awaited (``ResourceOutcome.note``,
``ApplyResult.not_awaited``; the watcher is told through its ``stop`` event), and a
deleted job whose allocations are being waited for (``wait_for_stop``, with --wait: what
it needed, such as a deny, is deleted only once they stopped) as destroyed; the other
running steps (provider calls) are waited for and recorded; then it returns an
:class:`ApplyResult` with ``interrupted`` set (never-started steps are reported skipped),
without waiting for the abandoned watchers' threads. A second one is raised at once, without
waiting for the running steps, after the state write in progress (if any) ends and with
no state write after it, so the caller may release its lock; the state holds every step
recorded so far. The pool's threads still running keep the interpreter from exiting until
their requests end: a caller that must exit at once uses ``os._exit`` after unlocking.
Tests: tests/unit/planner/test_apply_signals.py sends real SIGINT/SIGTERM to a child
process; test_apply_run.py raises KeyboardInterrupt from hooks.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import graphlib
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from ncplan.config.model import Config
from ncplan.errors import ApplyError, NcplanError, ProviderUnreachable
from ncplan.kinds.registry import kind_of
from ncplan.planner.guards import check_prevent_destroy
from ncplan.planner.hooks import ApplyHooks, NoHooks, ResourceOutcome
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.planner.reconcile import with_possibly_applied
from ncplan.planner.rollback import RollbackOutcome
from ncplan.planner.steps import Step, StepKind, plan_steps, recorded_needs
from ncplan.providers.live import DeploymentProgress
from ncplan.secret_text import hide_in_text
from ncplan.state.manager import Persister, Writer
from ncplan.state.model import Edits, ResourceState, State
from ncplan.transport.http import DEFAULT_PARALLELISM

INTERRUPTED = "not started: the apply was interrupted"
HALTED = "not started: a step failed (rollback on failure)"
NOT_AWAITED = "rollout not awaited: the apply was interrupted"
STOP_NOT_AWAITED = "its allocations' stop not awaited: the apply was interrupted"
POLL_SECONDS = 0.05  # how soon the caller's thread notices an interrupt


@dataclass(frozen=True)
class Written:
    """What a write left: the state record, and whether anything was sent (a job whose
    Nomad plan changes nothing is not registered again, so it has no rollout)."""

    state: ResourceState
    wrote: bool = True


class ResourceExecutor(Protocol):
    """Carries out one resource kind's changes with check-and-set (see
    :mod:`ncplan.orchestration.executors`). Both raise :class:`NcplanError` on failure."""

    def write(self, change: ResourceChange) -> Written:
        """Create (``observed_index`` 0) or update the resource."""
        ...

    def delete(self, change: ResourceChange) -> None:
        """Delete the resource if it is still at ``observed_index``."""
        ...


@runtime_checkable
class GroupExecutor(Protocol):
    """An executor whose writes into one object can go as one request (see
    :class:`~ncplan.kinds.base.GroupWriter`): the engine hands the steps of one
    :meth:`group_key` that are ready together to one :meth:`write_group`, each still a
    step of its own (its hooks, its outcome, its record)."""

    def group_key(self, change: ResourceChange) -> str | None: ...

    def write_group(self, changes: Sequence[ResourceChange]) -> list[Written]: ...

    def delete_group(self, changes: Sequence[ResourceChange]) -> None: ...


class WaitForStop(Protocol):
    """After a job's delete, waits until its allocations stopped (see
    :meth:`~ncplan.orchestration.rollout.RolloutWaiter.stopped`): None, or why not.
    Once ``stop`` is set it returns soon, with None."""

    def __call__(self, change: ResourceChange, stop: threading.Event) -> str | None:
        ...


class StateWriter(Writer, Persister, Protocol):
    """What the engine needs of a :class:`~ncplan.state.manager.StateManager`."""


class WaitForRollout(Protocol):
    """Follows a registered job's rollout (see
    :class:`~ncplan.orchestration.rollout.RolloutWaiter`), reporting through
    ``hooks.deployment_progress``; once ``stop`` is set it returns soon, its progress
    still ``running``."""

    def __call__(self, change: ResourceChange, job_modify_index: int, hooks: ApplyHooks,
                 stop: threading.Event) -> DeploymentProgress:
        ...


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
    not_awaited: tuple[str, ...] = ()  # registered jobs whose rollout was not awaited
    imported: int = 0
    added: int = 0
    changed: int = 0
    destroyed: int = 0
    state: State | None = None
    rollback: RollbackOutcome | None = None  # set when a failure was rolled back

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and not self.interrupted


@dataclass(frozen=True)
class ApplyOptions:
    parallelism: int = DEFAULT_PARALLELISM
    wait: bool = True
    wait_for_rollout: WaitForRollout | None = None
    wait_for_stop: WaitForStop | None = None
    secrets: frozenset[str] = frozenset()  # redacted from what the engine records itself
    halt_on_failure: bool = False  # a failed step starts nothing more (--rollback-on-failure)
    skip_after_failure: bool = True  # False: a step runs after a failed one it needs (a
    # rollback restores all it can; the order still holds)


@dataclass(frozen=True)
class _Done:
    """A step's end, computed in a pool thread."""

    record: ResourceState | None = None  # to put in the state (a write Nomad accepted)
    error: str | None = None
    seconds: float = 0.0
    note: str = ""  # NOT_AWAITED, STOP_NOT_AWAITED: done, what followed it left to run
    possibly_applied: bool = False  # sent, no answer: recorded as possibly applied

    @property
    def index(self) -> int:
        """The live index the step left (0 after a delete or a failed write)."""
        return self.record.observed_index if self.record is not None else 0


class _Control:
    """What the caller's thread tells the coordinator: stop starting steps (the first
    interrupt), stop at once without another state write (the second)."""

    def __init__(self) -> None:
        self.stop_requested: cf.Future[None] = cf.Future()
        self.stopped = threading.Event()  # the same, for the rollout watchers
        self.recording = threading.Lock()  # held for each state write
        self.aborted = False
        self.ended = threading.Event()  # set by the coordinator when it returns

    @property
    def stopping(self) -> bool:
        return self.stop_requested.done()

    def stop(self) -> None:
        self.stopped.set()
        with contextlib.suppress(cf.InvalidStateError):  # already stopping
            self.stop_requested.set_result(None)

    def abort(self) -> None:
        """Waits for a state write in progress to end, so none starts or runs after."""
        with self.recording:
            self.aborted = True


@dataclass
class _Slot:
    """One running step, shared with its pool thread. ``waiting`` is set once the provider
    call returned and the thread follows what comes after (a rollout, a job's
    allocations stopping): how the step ends if an interrupt stops the waiting now."""

    step: Step
    started: float = field(default_factory=time.monotonic)
    answered: bool = False  # the provider call returned
    waiting: _Done | None = None
    lead: str = ""  # a group's steps: the key of the step whose request carries them


@dataclass
class _Run:
    """The bookkeeping of one apply, owned by the coordinator thread."""

    state: State
    steps: Mapping[str, Step]
    sorter: graphlib.TopologicalSorter[str]
    pool: cf.ThreadPoolExecutor
    control: _Control = field(default_factory=_Control)
    running: dict[cf.Future[_Done], _Slot] = field(default_factory=dict)
    ready: list[str] = field(default_factory=list)
    # the ready steps that one request can carry, by group (insertion-ordered sets), and
    # those a group started before they reached the front of ``ready``
    groups: dict[str, dict[str, None]] = field(default_factory=dict)
    group_of: dict[str, str | None] = field(default_factory=dict)  # step key -> its group
    grouped: set[str] = field(default_factory=set)
    outcomes: dict[str, str | None] = field(default_factory=dict)  # step key -> error
    skipped: dict[str, str] = field(default_factory=dict)  # step key -> reason
    not_awaited: set[str] = field(default_factory=set)  # step keys
    announced: bool = False  # hooks.stopping was called
    halted: bool = False  # a step failed under halt_on_failure: nothing more starts
    failure: BaseException | None = None  # what stopped the coordinator, if anything


def apply_plan(plan: Plan, state: State, manager: StateWriter,
               executors: Mapping[str, ResourceExecutor], *,
               hooks: ApplyHooks | None = None, options: ApplyOptions = ApplyOptions(),
               config: Config | None = None) -> ApplyResult:
    """Carry out ``plan`` starting from ``state`` (the persisted state the caller read
    under its lock). With ``config``, ``lifecycle { prevent_destroy = true }`` is checked
    first and a violation raises before anything is done. Call it from the main thread
    for Ctrl-C to reach it (see the module's docstring)."""
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

    # ------------------------------------------------------------ the caller's thread

    def run(self, plan: Plan, state: State) -> ApplyResult:
        prior = plan.prior_state if plan.prior_state is not None else state
        steps = plan_steps(plan.actionable, recorded_needs(prior.resources))
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
            {key: step.needs for key, step in steps.items()})
        sorter.prepare()
        pool = cf.ThreadPoolExecutor(max_workers=self.options.parallelism,
                                     thread_name_prefix="ncplan-apply")
        run = _Run(state=state, steps=steps, sorter=sorter, pool=pool)
        coordinator = threading.Thread(target=self._coordinate, args=(run,), daemon=True,
                                       name="ncplan-apply-coordinator")
        try:
            try:
                coordinator.start()
            except KeyboardInterrupt:  # the first one, before the watch began
                run.control.stop()
            _watch(run.control)
            if isinstance(run.failure, KeyboardInterrupt):
                raise run.failure  # a second interrupt raised by a hook
        except KeyboardInterrupt as interrupt:  # the second one: stop at once
            run.control.abort()
            pool.shutdown(wait=False, cancel_futures=True)
            if unanswered := _in_flight(run):
                failed = self._record_possibly_applied(run, unanswered)
                interrupt.add_note("Sent, no answer recorded (the write may have landed; the "
                                   "state marks it possibly applied and the next plan "
                                   "settles it): " + ", ".join(c.address for c in unanswered))
                if failed is not None:
                    interrupt.add_note(f"Could not record them as possibly applied: {failed}")
            raise
        # after an interrupt, a thread may still be in a rollout's blocking query: it ends
        # when that query does (the stop is set); nothing waits for it
        pool.shutdown(wait=not run.control.stopping)
        if isinstance(run.failure, NcplanError):  # the state could not be written
            done = self._result(run).succeeded
            raise ApplyError(f"the apply stopped: {run.failure.message}", partial=done,
                             hint="what Nomad or Consul accepted since the last state "
                                  "write shows as drift in the next plan") from run.failure
        if run.failure is not None:
            raise run.failure
        return self._result(run)

    def _record_possibly_applied(self, run: _Run,
                                 changes: Sequence[ResourceChange]) -> str | None:
        """After a second interrupt: record the writes sent and not answered as possibly
        applied (the coordinator writes no more: the run is aborted). Returns why that
        record could not be written, if it could not: a note on the interrupt, never a
        second error hiding it."""
        with run.control.recording:
            try:
                self.manager.write(with_possibly_applied(run.state, changes,
                                                         self.options.secrets))
                self.manager.persist()
            except NcplanError as error:
                return error.message
        return None

    # ------------------------------------------------------------ the coordinator thread

    def _coordinate(self, run: _Run) -> None:
        try:
            self._loop(run)
        except BaseException as error:  # handed to the caller's thread, raised there
            run.failure = error
        finally:
            run.control.ended.set()

    def _loop(self, run: _Run) -> None:
        control = run.control
        while not control.aborted:
            try:
                if not control.stopping and not run.halted:
                    self._ready(sorted(run.sorter.get_ready()), run)
                    self._start(run)
                if not run.running and (control.stopping or run.halted
                                        or not run.sorter.is_active()):
                    return
                if not run.running:
                    continue  # skips were marked done: new steps may be ready
                if control.stopping and not run.announced:
                    self._stop_following(run)
                    continue
                waiting: set[cf.Future[Any]] = set(run.running) | ({control.stop_requested}
                                              if not control.stopping else set())
                finished, _ = cf.wait(waiting, return_when=cf.FIRST_COMPLETED)
                self._finish([(f, f.result()) for f in sorted(
                    (f for f in finished if f in run.running),
                    key=lambda f: run.running[f].step.key)], run)
            except KeyboardInterrupt:  # raised by a hook: an interrupt like Ctrl-C
                if control.stopping:
                    raise
                control.stop()

    def _ready(self, keys: list[str], run: _Run) -> None:
        """Steps that became ready: queued, and filed by group when one request can
        carry them with others."""
        run.ready.extend(keys)
        for key in keys:
            group = run.group_of[key] = self._group(run.steps[key])
            if group is not None:
                run.groups.setdefault(group, {})[key] = None

    def _group(self, step: Step) -> str | None:
        """The group a step goes in (its kind of step, resource kind and its executor's
        group key), ``None`` when it goes alone."""
        executor = self.executors.get(step.change.kind)
        if not isinstance(executor, GroupExecutor) \
                or kind_of(step.change.kind).runs_allocations:
            return None
        key = executor.group_key(step.change)
        return None if key is None else f"{step.kind.value} {step.change.kind} {key}"

    def _start(self, run: _Run) -> None:
        """Submit ready steps while there is room; skip those whose prerequisite did not
        succeed. What does not fit stays in ``run.ready``."""
        while run.ready and _requests(run) < self.options.parallelism:
            key = run.ready[0]
            if key in run.grouped:  # started with an earlier step of its group
                run.ready.pop(0)
                continue
            step = run.steps[key]
            blocker = self._blocker(step, run)
            if blocker is not None:
                if key not in run.skipped:
                    run.skipped[key] = blocker
                    self.hooks.skipped(step.change, blocker)
                self._leave(key, run)
                run.ready.pop(0)
                run.sorter.done(key)
                continue
            self.hooks.pre_apply(step.change)
            if run.control.stopping:
                return
            group = self._group_with(step, run)
            if run.control.stopping:  # a hook stopped the apply: none of them starts
                return
            self._leave(key, run)
            run.ready.pop(0)
            for other in group:
                self._leave(other.key, run)
                run.grouped.add(other.key)
            if group:
                self._submit_group([_Slot(step, lead=key),
                                    *(_Slot(s, lead=key) for s in group)], run)
            else:
                slot = _Slot(step)
                run.running[run.pool.submit(self._execute, slot, run.control)] = slot

    def _leave(self, key: str, run: _Run) -> None:
        """``key`` leaves ``run.ready``: out of its group's file too."""
        group = run.group_of.get(key)
        if group is not None:
            run.groups.get(group, {}).pop(key, None)

    def _group_with(self, step: Step, run: _Run) -> list[Step]:
        """The other ready steps of ``step``'s group (none blocked) that go in one
        request with it, each announced."""
        group = run.group_of.get(step.key)
        if group is None:
            return []
        others = [run.steps[k] for k in run.groups.get(group, {}) if k != step.key]
        members = [other for other in others if self._blocker(other, run) is None]
        for other in members:
            self.hooks.pre_apply(other.change)
        return members

    def _submit_group(self, slots: list[_Slot], run: _Run) -> None:
        """One pool task writes the group; each step gets a future of its own."""
        futures: list[cf.Future[_Done]] = [cf.Future() for _ in slots]
        for future in futures:
            future.set_running_or_notify_cancel()

        def write() -> None:
            try:
                ends = self._execute_group(slots)
            except BaseException as error:  # handed to the coordinator, as a pool's is
                for future in futures:
                    future.set_exception(error)
                raise
            for future, end in zip(futures, ends, strict=True):  # one end per slot
                future.set_result(end)

        run.pool.submit(write)
        for future, slot in zip(futures, slots, strict=True):
            run.running[future] = slot

    def _blocker(self, step: Step, run: _Run) -> str | None:
        for need in step.needs:
            if run.outcomes.get(need) and self.options.skip_after_failure:
                return f"depends on {_address(need)}, which failed"
            if need in run.skipped:
                reason = run.skipped[need]
                if reason.startswith("depends on "):
                    return reason
                return f"depends on {_address(need)}, which was skipped"
        return None

    def _stop_following(self, run: _Run) -> None:
        """The first interrupt: say so (what still runs, what is no longer awaited), then
        record the steps whose provider call returned and which were only waiting (a
        registered job's rollout: applied; a deleted job's allocations: destroyed)."""
        run.announced = True
        left: list[tuple[cf.Future[_Done], _Done]] = []
        running: list[str] = []
        for future, slot in run.running.items():
            if not future.done() and slot.waiting is not None:
                left.append((future, replace(slot.waiting,
                                             seconds=time.monotonic() - slot.started)))
            else:
                running.append(slot.step.change.address)

        def left_with(note: str) -> tuple[str, ...]:
            return tuple(run.running[f].step.change.address for f, end in left
                         if end.note == note)

        self.hooks.stopping(tuple(running), left_with(NOT_AWAITED), left_with(STOP_NOT_AWAITED))
        self._finish(left, run)

    def _finish(self, done: list[tuple[cf.Future[_Done], _Done]], run: _Run) -> None:
        """Record the steps that finished: the state first (one write for all of them:
        steps that finish while a write is under way are recorded together by the next,
        so N steps never cost N whole-state writes), then each outcome, its hook, and only
        then forget its future. Safe to run again for the same futures (when a hook
        raises an interrupt in the middle, the next turn records the rest again)."""
        if not self._record(done, run):
            return
        for future, end in done:
            step = run.running[future].step
            first = step.key not in run.outcomes
            if end.error is not None:  # the API's message may quote what it was sent
                end = replace(end, error=hide_in_text(end.error, self.options.secrets))
            run.outcomes[step.key] = end.error
            run.halted |= end.error is not None and self.options.halt_on_failure
            if end.note == NOT_AWAITED:
                run.not_awaited.add(step.key)
            if first:
                self.hooks.post_apply(step.change, ResourceOutcome(
                    step.change.address, error=end.error, index=end.index,
                    seconds=end.seconds, note=end.note))
            del run.running[future]
            run.sorter.done(step.key)

    def _record(self, done: list[tuple[cf.Future[_Done], _Done]], run: _Run) -> bool:
        """Write the finished steps' results to the state; False when the apply was
        aborted."""
        new = run.state
        records: dict[str, ResourceState] = {}  # the edits, handed to the journal
        removed: set[str] = set()
        for future, end in done:
            step = run.running[future].step
            address = step.change.address
            if end.record is not None:
                new = new.with_resource(end.record)
                records[end.record.address] = end.record
                removed.discard(end.record.address)
            elif end.error is None and step.kind is StepKind.DELETE:
                new = new.without([address])
                records.pop(address, None)
                removed.add(address)
            elif end.possibly_applied:
                new = with_possibly_applied(new, [step.change], self.options.secrets)
                marked = new.resource(address)
                if marked is not None:
                    records[address] = marked
                    removed.discard(address)
        with run.control.recording:
            if run.control.aborted:
                return False
            if new.resources != run.state.resources:
                self.manager.write(new, edits=Edits(run.state, tuple(records.values()),
                                                    tuple(removed)))
                persisted = self.manager.persist()
                run.state = persisted if persisted is not None else new
        return True

    # ------------------------------------------------------------ one step (pool thread)

    def _execute(self, slot: _Slot, control: _Control) -> _Done:
        step, started = slot.step, slot.started
        executor = self.executors.get(step.change.kind)
        if executor is None:
            return _Done(error=f"{step.change.address}: no executor for {step.change.kind}")
        try:
            if step.kind is StepKind.DELETE:
                executor.delete(step.change)
                slot.answered = True
                if self._waits_for_stop(step.change):
                    slot.waiting = _Done(note=STOP_NOT_AWAITED)
                return _Done(error=self._stopped(step.change, control),
                             seconds=time.monotonic() - started)
            written = executor.write(step.change)
        except Exception as error:  # a bug below too: this resource fails, the others go on
            return _failed(error, started)
        slot.answered = True
        if self._follows(step.change, written):
            slot.waiting = _Done(record=written.state, note=NOT_AWAITED)
        failure, note = self._rollout(step.change, written, control)
        return _Done(record=written.state, error=failure, note=note,
                     seconds=time.monotonic() - started)

    def _execute_group(self, slots: list[_Slot]) -> list[_Done]:
        """:meth:`_execute` of a group's writes or deletes (kinds without rollouts or
        allocations to wait for), in one call."""
        executor = self.executors[slots[0].step.change.kind]
        assert isinstance(executor, GroupExecutor)
        started = slots[0].started
        changes = [slot.step.change for slot in slots]
        try:
            if slots[0].step.kind is StepKind.DELETE:
                executor.delete_group(changes)
                written = None
            else:
                written = executor.write_group(changes)
        except Exception as error:  # a bug below too: these resources fail, the others go on
            failed = _failed(error, started)
            return [failed for _ in slots]
        seconds = time.monotonic() - started
        if written is None:  # deleted
            for slot in slots:
                slot.answered = True
            return [_Done(seconds=seconds) for _ in slots]
        if len(written) != len(slots):  # a bug below: no step may be left without an end
            return [_Done(error=f"internal error: {len(written)} results for a group of "
                          f"{len(slots)}", seconds=seconds) for _ in slots]
        for slot in slots:
            slot.answered = True
        return [_Done(record=w.state, seconds=seconds) for w in written]

    def _stopped(self, change: ResourceChange, control: _Control) -> str | None:
        """After a job's delete, with --wait: None once its allocations stopped (so what
        guards it, a deny, goes only then), else why not. Not after an interrupt."""
        wait = self.options.wait_for_stop
        if wait is None or not self._waits_for_stop(change) or control.stopping:
            return None
        try:
            return wait(change, control.stopped)
        except NcplanError as error:
            return error.message
        except Exception as error:  # a bug in the watcher
            return _internal(error)

    def _waits_for_stop(self, change: ResourceChange) -> bool:
        """Whether a delete waits for the job's allocations to stop (with --wait)."""
        return bool(self.options.wait and self.options.wait_for_stop
                    and kind_of(change.kind).runs_allocations)

    def _follows(self, change: ResourceChange, written: Written) -> bool:
        """Whether this write's rollout is followed (a registered job, with --wait)."""
        return bool(self.options.wait and self.options.wait_for_rollout and written.wrote
                    and kind_of(change.kind).runs_allocations)

    def _rollout(self, change: ResourceChange, written: Written,
                 control: _Control) -> tuple[str | None, str]:
        """The reason a registered job's rollout failed (or None), and NOT_AWAITED when
        an interrupt came first."""
        wait = self.options.wait_for_rollout
        if wait is None or not self._follows(change, written):
            return None, ""
        if control.stopping:
            return None, NOT_AWAITED
        try:
            progress = wait(change, written.state.observed_index,
                            _UntilStopped(self.hooks, control.stopped), control.stopped)
        except NcplanError as error:
            return error.message, ""
        except Exception as error:  # a bug in the watcher: the registration is kept
            return _internal(error), ""
        if progress.status == "successful":
            return None, ""
        if control.stopping and progress.status not in ("failed", "cancelled"):
            return None, NOT_AWAITED
        return progress.reason or progress.description or f"deployment {progress.status}", ""

    # ------------------------------------------------------------ the result

    def _result(self, run: _Run) -> ApplyResult:
        steps = run.steps
        unstarted = INTERRUPTED if run.control.stopping or not run.halted else HALTED
        for key in sorted(steps):
            if key not in run.outcomes and key not in run.skipped:
                run.skipped[key] = unstarted
                self.hooks.skipped(steps[key].change, unstarted)
        ok = [k for k, error in run.outcomes.items() if error is None]
        failed = {k: error for k, error in run.outcomes.items() if error is not None}
        counts = Counter(steps[k].counts_as for k in ok)
        bad = {_address(k) for k in [*failed, *run.skipped]}
        return ApplyResult(
            succeeded=tuple(sorted({_address(k) for k in ok} - bad)),
            failed=tuple(Problem(_address(k), r) for k, r in sorted(failed.items())),
            skipped=_problems(run.skipped, failed),
            interrupted=run.control.stopping, imported=counts["import"],
            not_awaited=tuple(sorted(_address(k) for k in run.not_awaited)),
            added=counts["add"], changed=counts["change"],
            destroyed=counts["destroy"], state=run.state)


class _UntilStopped:
    """The hooks a rollout watcher reports to: silent once the apply is stopping (its
    rollout is no longer awaited)."""

    def __init__(self, hooks: ApplyHooks, stopped: threading.Event) -> None:
        self.hooks = hooks
        self.stopped = stopped

    def pre_apply(self, change: ResourceChange) -> None:
        self.hooks.pre_apply(change)

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        self.hooks.post_apply(change, outcome)

    def skipped(self, change: ResourceChange, reason: str) -> None:
        self.hooks.skipped(change, reason)

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        self.hooks.stopping(running, not_awaited, stops)

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        if not self.stopped.is_set():
            self.hooks.deployment_progress(change, progress)


def _in_flight(run: _Run) -> tuple[ResourceChange, ...]:
    """The writes sent whose answer had not come when a second interrupt stopped the
    apply: they may have reached the API, so they are recorded as possibly applied and
    settled by the ownership mark at the next run."""
    return tuple(slot.step.change for future, slot in run.running.items()
                 if not future.done() and not slot.answered)


def _watch(control: _Control) -> None:
    """Wait for the coordinator to end; the first KeyboardInterrupt asks it to stop, the
    second is raised. (Not ``Thread.join``: an interrupted join can mark a running thread
    stopped, bpo-45274.)"""
    while not control.ended.is_set():
        try:
            control.ended.wait(POLL_SECONDS)
        except KeyboardInterrupt:
            if control.stopping:
                raise
            control.stop()


def _requests(run: _Run) -> int:
    """The requests under way: a step each, a group's steps one together (what
    ``parallelism`` bounds)."""
    return len({slot.lead or slot.step.key for slot in run.running.values()})


def _failed(error: Exception, started: float) -> _Done:
    """A step's end when its provider call raised: the API's message (possibly applied
    when a write was sent and no answer came), or an internal error for a bug below."""
    seconds = time.monotonic() - started
    if isinstance(error, NcplanError):
        landed = isinstance(error, ProviderUnreachable) and error.may_have_landed
        return _Done(error=error.message, seconds=seconds, possibly_applied=landed)
    return _Done(error=_internal(error), seconds=seconds)


def _internal(error: Exception) -> str:
    return f"internal error: {type(error).__name__}: {error}"


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


__all__ = ["Action", "ApplyOptions", "ApplyResult", "GroupExecutor", "Problem",
           "ResourceExecutor",
           "StateWriter", "WaitForRollout", "WaitForStop", "Written", "apply_plan"]
