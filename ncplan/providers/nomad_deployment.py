"""Follow one registered Nomad job until its rollout is done, failed, or out of time.

After ``PUT /v1/job/:id`` ncplan knows the new JobModifyIndex. From it:

1. ``GET /v1/job/:id/versions`` gives the job version it made (type, counts);
2. ``GET /v1/job/:id/evaluations`` (blocking) waits until the registration's evaluation
   was processed, so the scheduler has decided whether there is a deployment;
3. a job with a deployment of that version (service jobs: Nomad 1.6 gives them a default
   update block) follows ``GET /v1/deployment/:id`` until ``successful``, ``failed`` or
   ``cancelled``; a failed one's reason is dug out of its allocations' task events;
4. a job without one (batch, system, ``max_parallel = 0``) follows
   ``GET /v1/job/:id/allocations`` of that version until they run (healthy where Nomad
   reports health) or complete, or one fails.

After a job is deregistered, :meth:`DeploymentWatcher.follow_stop` follows
``GET /v1/job/:id/allocations`` until every allocation has stopped (a guard such as a deny
intention is removed only then).

Every wait is a Nomad blocking query (``?index=N&wait=...``), never a tight poll. The
answers are decoded by :mod:`ncplan.providers.nomad_deployment_decoding`. A ``stop`` event (the
apply was interrupted) ends the follow before the next query, its progress still
``running``; a query in flight is not cut short, so the caller does not wait for it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from ncplan.providers import nomad_deployment_decoding as answers
from ncplan.providers.live import DeploymentProgress
from ncplan.providers.nomad_deployment_decoding import RegisteredJob
from ncplan.providers.nomad_job import job_path
from ncplan.transport.http import DEFAULT_RETRY, Answer, HttpClient, RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

DEFAULT_WAIT_TIMEOUT = 300.0  # --wait-timeout 5m
BLOCKING_WAIT = 30.0  # seconds one blocking query may wait
_INDEX_HEADER = "X-Nomad-Index"

T = TypeVar("T")
Report = Callable[[DeploymentProgress], None]


def format_duration(seconds: float) -> str:
    """300 -> ``5m``, 90 -> ``1m30s``, 2.5 -> ``2.5s``, as Go prints durations."""
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{rest}s" if rest else "")


class DeploymentWatcher:
    """Follows registered jobs on one Nomad; each :meth:`follow` uses its own HTTP
    session, so one watcher serves the engine's worker threads."""

    def __init__(self, settings: NomadHttpSettings, *, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 blocking_wait: float = BLOCKING_WAIT, retry: RetryPolicy = DEFAULT_RETRY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.timeout = timeout
        self.blocking_wait = blocking_wait
        self.retry = retry
        self.clock = clock

    def follow(self, job_name: str, job_modify_index: int, report: Report,
               stop: threading.Event | None = None) -> DeploymentProgress:
        """Wait for the rollout of the registration that made ``job_modify_index``;
        ``report`` gets every change of progress. Returns the last progress: its status
        is ``successful`` or ``failed`` (with Nomad's reason, or the timeout's), or still
        ``running`` once ``stop`` is set."""
        run = _Follow(self, job_name, self.clock() + self.timeout, report,
                      stop or threading.Event())
        try:
            return run.follow(job_modify_index)
        except _Stopped:
            return run.last


    def follow_stop(self, job_name: str,
                    stop: threading.Event | None = None) -> str | None:
        """Wait until every allocation of the deregistered job has stopped: None, or why
        not (the timeout). An interrupt (``stop``) ends the wait: None."""
        run = _Follow(self, job_name, self.clock() + self.timeout, lambda progress: None,
                      stop or threading.Event())
        try:
            return run.follow_stop()
        except _Stopped:
            return None


class _Stopped(Exception):
    """The follow was asked to stop (the apply was interrupted)."""


class _Follow:
    """One job's follow: its session, deadline and the last progress reported."""

    def __init__(self, watcher: DeploymentWatcher, job_name: str, deadline: float,
                 report: Report, stop: threading.Event) -> None:
        self.watcher = watcher
        self.stop = stop
        self.http: HttpClient = watcher.settings.client(retry=watcher.retry)
        self.job_name = job_name
        self.base = job_path(job_name)
        self.deadline = deadline
        self.report = report
        self.last = DeploymentProgress(job_name=job_name, status="running",
                                       description="waiting for the evaluation")
        self.placement = ""

    def follow(self, job_modify_index: int) -> DeploymentProgress:
        path = self.base + "/versions"
        job = answers.registered_job(self.job_name, self._get(path).json(dict),
                                     job_modify_index, f"Nomad GET {path}")
        if job is None:
            return self._emit(self._failed(
                f"Nomad no longer has the version registered at index {job_modify_index}"))
        path = self.base + "/evaluations"

        def processed(evals: list[Any]) -> Mapping[str, Any] | None:
            found = answers.registration_eval(evals, job_modify_index, f"Nomad GET {path}")
            return None if answers.eval_pending(found) else found

        evaluation = self._watch(path, list, processed)
        if evaluation is None:
            return self._timed_out(job)
        if failure := answers.eval_failure(evaluation):
            return self._emit(self._failed(failure))
        self.placement = answers.placement_failure(evaluation)
        if self.placement:
            self._emit(_with(self.last, description=self.placement))
        path = self.base + "/deployment"
        deployment = answers.deployment_of(self._get(path).json(object), job,
                                           f"Nomad GET {path}")
        if deployment is not None:
            return self._follow_deployment(job, str(deployment["ID"]))
        return self._follow_allocations(job)

    def follow_stop(self) -> str | None:
        path = self.base + "/allocations"
        left: list[int] = []

        def stopped(allocs: list[Any]) -> bool | None:
            left.append(answers.still_running(allocs, f"Nomad GET {path}"))
            return True if not left[-1] else None

        if self._watch(path, list, stopped) is None:
            return (f"deregistered, but {left[-1] if left else 'its'} allocation(s) still "
                    f"running after {format_duration(self.watcher.timeout)}")
        return None

    def _follow_deployment(self, job: RegisteredJob, deployment_id: str) -> DeploymentProgress:
        path = "/v1/deployment/" + quote(deployment_id, safe="")
        done = self._watch(path, dict, lambda body: self._progress(
            answers.deployment_progress(job.name, body, f"Nomad GET {path}")))
        if done is None:
            return self._timed_out(job)
        if done.status == "failed":
            allocs = self._get(path.replace("/deployment/", "/deployment/allocations/"))
            reason = answers.failure_reason(allocs.json(list)) or done.description
            done = self._emit(_with(done, reason=reason))
        return done

    def _follow_allocations(self, job: RegisteredJob) -> DeploymentProgress:
        path = self.base + "/allocations"
        done = self._watch(path, list, lambda allocs: self._progress(
            answers.allocations_progress(job, allocs, f"Nomad GET {path}")))
        return done if done is not None else self._timed_out(job)

    def _progress(self, progress: DeploymentProgress) -> DeploymentProgress | None:
        """Report a change; the final progress of a failure is reported with its reason."""
        if progress.finished and progress.status == "failed" and not progress.reason:
            return progress  # the caller adds the reason, then reports
        self._emit(progress)
        return progress if progress.finished else None

    def _emit(self, progress: DeploymentProgress) -> DeploymentProgress:
        if progress != self.last:
            self.last = progress
            self.report(progress)
        return progress

    def _timed_out(self, job: RegisteredJob) -> DeploymentProgress:
        reason = (f"did not become healthy within "
                  f"{format_duration(self.watcher.timeout)}")
        allocs = self._get(self.base + "/allocations").json(list)
        mine = [a for a in allocs if isinstance(a, dict) and a.get("JobVersion") == job.version]
        if event := answers.failure_reason(mine):
            reason += f"; last {event}"
        if self.placement:
            reason += f"; {self.placement}"
        return self._emit(self._failed(reason))

    def _failed(self, reason: str) -> DeploymentProgress:
        """The last progress, failed for ``reason``: without its description, which said
        how things stood while it ran ("Deployment is running") and is not why it failed."""
        return _with(self.last, status="failed", reason=reason, description="")

    def _watch(self, path: str, shape: type[Any],
               step: Callable[[Any], T | None]) -> T | None:
        """Blocking queries on ``path`` until ``step(body)`` returns something, or None
        when the deadline passes first."""
        index = 0
        while True:
            remaining = self.deadline - self.watcher.clock()
            if remaining <= 0:
                return None
            answer = self._get(path, index=index, wait=min(remaining, self.watcher.blocking_wait))
            result = step(answer.json(shape))
            if result is not None:
                return result
            new = answer.index(_INDEX_HEADER) or 0
            index = new if new >= index else 0  # an index going back resets (Nomad's advice)

    def _get(self, path: str, *, index: int = 0, wait: float = 0.0) -> Answer:
        if self.stop.is_set():
            raise _Stopped
        if not index:
            return self.http.call("GET", path)
        millis = max(1, math.ceil(wait * 1000))
        # Nomad adds up to wait/16 of jitter; the request may take that much longer.
        return self.http.call("GET", path, params={"index": str(index), "wait": f"{millis}ms"},
                              timeout=wait * 1.1 + self.http.timeout)


def _with(progress: DeploymentProgress, **changes: Any) -> DeploymentProgress:
    return dataclasses.replace(progress, **changes)
