"""``apply --rollback-on-failure``: after a failed apply, restore what it changed.

The apply ran with ``halt_on_failure`` (the first failure starts nothing more, the running
steps finish and are recorded). Then :func:`roll_back` compares the state before the run
with the state it left (:func:`ncplan.planner.rollback.rollback_plan`), says what it will
restore, and carries the restoring plan out with the same engine, executors, hooks and
state manager as the apply: each restore is a step shown live and recorded as it lands,
every write check-and-set against the index this run left, so an object another writer
changed meanwhile is refused, left, and named. Its result joins the apply's
(``ApplyResult.rollback``); the views say what failed, what was rolled back, what was not.

A job updated by the run goes back through Nomad's revert to the version it had before
(found by the JobModifyIndex the state recorded), with ``EnforcePriorVersion``: the whole
prior Job, as it ran, not the state's redacted record. Only when Nomad no longer keeps that
version (a replaced job is purged with its history) is the recorded body registered again,
with ``EnforceIndex``, and only when it holds no redacted sensitive value
(:class:`RecordWriteGuard`: a record with one is not written back, the restore fails,
named).

Not rolled back: an apply that an interrupt stopped (Ctrl-C asks to stop, not to undo). An
interrupt during the rollback stops it as it stops an apply: the running restores finish
and are recorded, nothing else starts; the state then records what each object is, and
the next plan reads it as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ncplan.errors import CheckAndSetConflict, NcplanError
from ncplan.kinds import nomad_job
from ncplan.planner.engine import (
    ApplyOptions,
    ApplyResult,
    ResourceExecutor,
    StateWriter,
    Written,
    apply_plan,
)
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.planner.reconcile import record_of
from ncplan.planner.redaction import still_redacted
from ncplan.planner.rollback import (
    NotRestored,
    RollbackOutcome,
    rollback_plan,
    with_edges_of,
)
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_job_versions import NomadJobVersions
from ncplan.state.model import State
from ncplan.views.apply_output import ApplyUi


class JobRevertExecutor:
    """``nomad_job`` restores: an update goes back to the job's version before the run
    (Nomad's revert, ``EnforcePriorVersion``); creates and deletes are ``inner``'s."""

    def __init__(self, inner: ResourceExecutor, jobs: NomadJobs, versions: NomadJobVersions,
                 before: State, secrets: frozenset[str] = frozenset()) -> None:
        self.inner = inner
        self.jobs = jobs
        self.versions = versions
        self.before = before
        self.secrets = secrets

    def write(self, change: ResourceChange) -> Written:
        was = self.before.resource(change.address)
        if change.action is not Action.UPDATE or was is None:
            return self.inner.write(change)
        live = self.jobs.read(change.name)
        now = "deleted" if live is None else str(live.modify_index)
        if live is None or live.modify_index != change.observed_index:
            raise CheckAndSetConflict(
                f"{change.address} changed since this apply wrote it (index "
                f"{change.observed_index} -> {now}): not restored")
        target = next((v.version for v in self.versions.versions(change.name)
                       if v.job_modify_index == was.observed_index), None)
        if target is None:  # its history is gone (a replace purges it): the recorded body
            return self.inner.write(change)
        current = live.body.get("Version")
        if not isinstance(current, int):
            return self.inner.write(change)
        index = self.versions.revert(change.name, target, enforce_prior_version=current)
        return Written(record_of(change, index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        self.inner.delete(change)


class RecordWriteGuard:
    """Refuses to write back a record that holds redacted sensitive values (the state
    keeps ``(sensitive value)`` in their place): such a restore fails, named, rather than
    putting the marker into the live object."""

    def __init__(self, inner: ResourceExecutor) -> None:
        self.inner = inner

    def write(self, change: ResourceChange) -> Written:
        if change.after is not None and still_redacted(change.after):
            raise NcplanError(f"{change.address}: its record holds sensitive values the "
                              "state does not keep; not restored from it")
        return self.inner.write(change)

    def delete(self, change: ResourceChange) -> None:
        self.inner.delete(change)


def restoring_executors(executors: Mapping[str, ResourceExecutor], jobs: NomadJobs,
                        before: State,
                        secrets: frozenset[str]) -> dict[str, ResourceExecutor]:
    """The apply's executors (the same instances: an intention executor follows its own
    writes to a shared entry across the apply and its rollback), each behind a
    :class:`RecordWriteGuard`, a job's revert added in front."""
    found: dict[str, ResourceExecutor] = {kind: RecordWriteGuard(executor)
                                          for kind, executor in executors.items()}
    if nomad_job.NAME in found:
        found[nomad_job.NAME] = JobRevertExecutor(found[nomad_job.NAME], jobs,
                                                  NomadJobVersions(jobs.settings), before,
                                                  secrets)
    return found


def roll_back(forward: Plan, before: State, result: ApplyResult, manager: StateWriter,
              executors: Mapping[str, ResourceExecutor], ui: ApplyUi,
              options: ApplyOptions, original: State | None = None) -> ApplyResult:
    """Restore what ``forward`` changed, when its ``result`` failed (not when it was
    interrupted): ``result`` with the rollback's outcome and the state it left.
    ``before`` is the state the engine started from; ``original`` the same before the
    apply recorded the new configuration's edges (put back once the restores are done)."""
    if result.ok or result.interrupted or result.state is None:
        return result
    restoring = rollback_plan(forward, before, result.state)
    ui.rolling_back(restoring)
    rolled = apply_plan(restoring.plan, result.state, manager, executors, hooks=ui.hooks,
                        options=replace(options, halt_on_failure=False,
                                        skip_after_failure=False))
    if original is not None and rolled.state is not None:
        rolled = replace(rolled, state=_write(manager, rolled.state,
                                              with_edges_of(rolled.state, original, forward)))
    not_restored = [*restoring.left,
                    *(NotRestored(p.address, p.reason) for p in rolled.failed),
                    *(NotRestored(p.address, p.reason) for p in rolled.skipped)]
    outcome = RollbackOutcome(restored=rolled.succeeded,
                              not_restored=tuple(sorted(not_restored,
                                                        key=lambda n: n.address)),
                              interrupted=rolled.interrupted)
    return replace(result, state=rolled.state, rollback=outcome,
                   interrupted=rolled.interrupted)


def _write(manager: StateWriter, state: State, new: State) -> State:
    """One state write, when ``new`` differs from ``state``; the state as persisted."""
    if new.same_content(state):
        return state
    manager.write(new)
    persisted = manager.persist()
    return persisted if persisted is not None else new
