"""What people and pipelines see while apply runs: two :class:`ApplyHooks` views.

* :class:`HumanApplyView`: Terraform's lines (``nomad_job.db: Creating...``,
  ``nomad_job.db: Creation complete after 2s [index=41]``) and, on a terminal with
  colour, a Rich live board with one line per job being rolled out (spinner, desired,
  placed, healthy, unhealthy). Without a terminal, or with NO_COLOR / --no-color, one
  plain line per change and per change of rollout progress.
* :class:`JsonApplyView`: one JSON event per line in Terraform's ``-json`` UI shape
  (``apply_start``, ``apply_progress``, ``apply_complete``, ``apply_errored``), plus
  :func:`change_summary_event` for the closing ``change_summary``.

The engine calls hooks from worker threads: every view writes under its own lock, one
whole line at a time.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from ncplan.planner.hooks import ResourceOutcome
from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.rollback import ROLLBACK_REASON
from ncplan.providers.live import DeploymentProgress

_START = {Action.CREATE: "Creating", Action.UPDATE: "Modifying", Action.DELETE: "Destroying",
          Action.REPLACE: "Replacing", Action.NOOP: "Importing"}  # a no-op runs only
# when it imports (its write puts the ownership mark on the object)
_STILL = {Action.CREATE: "creating", Action.UPDATE: "modifying", Action.DELETE: "destroying",
          Action.REPLACE: "replacing", Action.NOOP: "importing"}
_DONE = {Action.CREATE: "Creation", Action.UPDATE: "Modifications",
         Action.DELETE: "Destruction", Action.REPLACE: "Replacement", Action.NOOP: "Import"}
_JSON_ACTION = {Action.CREATE: "create", Action.UPDATE: "update", Action.DELETE: "delete",
                Action.REPLACE: "replace", Action.NOOP: "noop"}
_PROVIDER = {"nomad": "nomad", "consul": "consul"}
UI_MODULE = "ncplan.ui"


# ----------------------------------------------------------------------- shared text


def elapsed(seconds: float) -> str:
    """Whole seconds as Go prints a Duration, as Terraform shows them: ``2s``, ``1m0s``."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _who(change: ResourceChange) -> str:
    """The address, and ``: Rollback`` for a step restoring what a failed apply changed."""
    return f"{change.address}: Rollback" if change.reason == ROLLBACK_REASON \
        else change.address


def start_message(change: ResourceChange) -> str:
    return f"{_who(change)}: {_START[change.action]}..."


def complete_message(change: ResourceChange, outcome: ResourceOutcome) -> str:
    ident = f" [index={outcome.index}]" if outcome.index and change.action is not \
        Action.DELETE else ""
    note = f"; {outcome.note}" if outcome.note else ""
    return (f"{_who(change)}: {_DONE[change.action]} complete after "
            f"{elapsed(outcome.seconds)}{ident}{note}")


def stopping_lines(running: tuple[str, ...], not_awaited: tuple[str, ...],
                   stops: tuple[str, ...] = ()) -> list[str]:
    """What the first Ctrl-C (or SIGTERM) does, said at once."""
    lines = ["Interrupt received: starting no new steps."]
    if running:
        lines.append(f"  Finishing the running steps: {', '.join(running)}")
    if not_awaited:
        lines.append(f"  Not awaiting the rollout of {', '.join(not_awaited)}: registered, "
                     "recorded as applied.")
    if stops:
        lines.append(f"  Not awaiting the allocations of {', '.join(stops)} to stop: "
                     "deregistered, recorded as destroyed.")
    lines.append("  Press Ctrl-C again to stop now.")
    return lines


def errored_message(change: ResourceChange, outcome: ResourceOutcome) -> str:
    return (f"{_who(change)}: {_DONE[change.action]} errored after "
            f"{elapsed(outcome.seconds)}")


def still_message(change: ResourceChange, seconds: float) -> str:
    return f"{change.address}: Still {_STILL[change.action]}... [{elapsed(seconds)} elapsed]"


def progress_counts(progress: DeploymentProgress) -> str:
    return (f"{progress.desired} desired, {progress.placed} placed, {progress.healthy} "
            f"healthy, {progress.unhealthy} unhealthy")


def progress_message(change: ResourceChange, progress: DeploymentProgress) -> str:
    """``nomad_job.db: rollout running: 1 desired, 1 placed, 0 healthy, 0 unhealthy
    (Deployment is running)``, with Nomad's reason after a colon when it failed."""
    text = f"{change.address}: rollout {progress.status}: {progress_counts(progress)}"
    if progress.description:
        text += f" ({progress.description})"
    return text + (f": {progress.reason}" if progress.reason else "")


# ----------------------------------------------------------------------- for people


class HumanApplyView:
    """Apply progress for people on ``console`` (stderr). ``live=None`` picks the live
    board when the console is a terminal with colour on. Call :meth:`close` (or use it as
    a context manager) when apply ends, to take the board down."""

    def __init__(self, console: Console, *, live: bool | None = None) -> None:
        self.console = console
        self.use_live = (console.is_terminal and not console.no_color) if live is None \
            else live
        self._lock = threading.Lock()
        self._rollouts: dict[str, DeploymentProgress] = {}
        self._live: Live | None = None

    def __enter__(self) -> HumanApplyView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pre_apply(self, change: ResourceChange) -> None:
        with self._lock:
            self._line(start_message(change))

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        with self._lock:
            if outcome.ok:
                self._line(complete_message(change, outcome))
            else:
                self._line(f"{errored_message(change, outcome)}: {outcome.error}")
            self._refresh()

    def skipped(self, change: ResourceChange, reason: str) -> None:
        with self._lock:
            self._line(f"{_who(change)}: Skipped: {reason}")

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        with self._lock:
            for address in not_awaited:
                self._rollouts.pop(address, None)
            for line in stopping_lines(running, not_awaited, stops):
                self._line(line)
            self._refresh()

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        with self._lock:
            self._rollouts[change.address] = progress
            if self.use_live:
                self._ensure_live()
                self._refresh()
            else:
                self._line(progress_message(change, progress))

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.update(self.board(), refresh=True)
                self._live.stop()
                self._live = None

    def board(self) -> RenderableType:
        """One line per job being rolled out: a spinner while it runs, then its counts.

        Called by Live's refresh thread too, so it takes no lock (Live holds its own while
        rendering): it reads a snapshot of the rollouts, copied atomically."""
        table = Table.grid(padding=(0, 1))
        for address, progress in tuple(self._rollouts.items()):
            table.add_row(_status_cell(progress), Text(address, style="bold"),
                          Text(progress_counts(progress)),
                          Text(progress.description, style="dim"))
        return Group(table)

    def _line(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def _ensure_live(self) -> None:
        if self._live is None:
            self._live = Live(self.board(), console=self.console, refresh_per_second=8,
                              transient=False, get_renderable=self.board)
            self._live.start()

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.refresh()


def _status_cell(progress: DeploymentProgress) -> RenderableType:
    if progress.status == "successful":
        return Text("✓", style="green")
    if progress.status == "failed":
        return Text("✗", style="red")
    return Spinner("dots", style="cyan")


# ----------------------------------------------------------------------- for pipelines


Now = Callable[[], datetime.datetime]


def _local_now() -> datetime.datetime:
    return datetime.datetime.now().astimezone()


class JsonApplyView:
    """Terraform's machine-readable UI: one JSON object per line on ``stream``."""

    def __init__(self, stream: IO[str], *, now: Now = _local_now,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.now = now
        self.clock = clock
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}

    def pre_apply(self, change: ResourceChange) -> None:
        with self._lock:
            self._started[change.address] = self.clock()
        self.emit("apply_start", start_message(change), hook=resource_hook(change))

    def post_apply(self, change: ResourceChange, outcome: ResourceOutcome) -> None:
        seconds = int(outcome.seconds)
        if outcome.ok:
            hook = resource_hook(change, elapsed_seconds=seconds)
            if outcome.index and change.action is not Action.DELETE:
                hook = resource_hook(change, id_key="index", id_value=str(outcome.index),
                             elapsed_seconds=seconds)
            if outcome.note:
                hook["note"] = outcome.note
            self.emit("apply_complete", complete_message(change, outcome), hook=hook)
            return
        self.emit("apply_errored", errored_message(change, outcome), level="error",
                  hook=resource_hook(change, elapsed_seconds=seconds))
        self.emit("diagnostic", f"Error: {outcome.error}", level="error",
                  diagnostic={"severity": "error", "summary": outcome.error, "detail": "",
                              "address": change.address})

    def stopping(self, running: tuple[str, ...], not_awaited: tuple[str, ...],
                 stops: tuple[str, ...] = ()) -> None:
        """Terraform's ``log`` message type, with what still runs and what is left."""
        lines = stopping_lines(running, not_awaited, stops)
        self.emit("log", " ".join(line.strip() for line in lines), level="warn",
                  interrupt={"running": list(running), "not_awaited": list(not_awaited),
                             "stops_not_awaited": list(stops)})

    def skipped(self, change: ResourceChange, reason: str) -> None:
        self.emit("apply_skipped", f"{change.address}: Skipped: {reason}", level="warn",
                  hook={**resource_hook(change), "reason": reason})

    def deployment_progress(self, change: ResourceChange, progress: DeploymentProgress) -> None:
        now = self.clock()
        with self._lock:
            seconds = now - self._started.get(change.address, now)
        rollout = {"status": progress.status, "desired": progress.desired,
                   "placed": progress.placed, "healthy": progress.healthy,
                   "unhealthy": progress.unhealthy, "description": progress.description,
                   "reason": progress.reason}
        message = f"{still_message(change, seconds)} {progress_message(change, progress)}"
        self.emit("apply_progress", message,
                  hook={**resource_hook(change, elapsed_seconds=int(seconds)), "rollout": rollout})

    def change_summary(self, add: int, change: int, remove: int, *,
                       destroy: bool = False) -> None:
        self.write(change_summary_event(add, change, remove, destroy=destroy, now=self.now))

    def emit(self, kind: str, message: str, *, level: str = "info", **fields: Any) -> None:
        self.write(event(kind, message, level=level, now=self.now, **fields))

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()


def event(kind: str, message: str, *, level: str = "info", now: Now = _local_now,
          **fields: Any) -> dict[str, Any]:
    """One UI message: Terraform's ``@level``, ``@message``, ``@module``, ``@timestamp``,
    ``type``, then the type's own fields."""
    return {"@level": level, "@message": message, "@module": UI_MODULE,
            "@timestamp": now().isoformat(timespec="microseconds"), "type": kind, **fields}


def complete_line(added: int, changed: int, destroyed: int, *, destroy: bool,
                  imported: int = 0) -> str:
    """Terraform's closing sentence: ``Apply complete! Resources: ...`` (``N imported,``
    first when the apply imported objects, as Terraform 1.5 says it)."""
    if destroy:
        return f"Destroy complete! Resources: {destroyed} destroyed."
    first = f"{imported} imported, " if imported else ""
    return (f"Apply complete! Resources: {first}{added} added, {changed} changed, "
            f"{destroyed} destroyed.")


def change_summary_event(add: int, change: int, remove: int, *, destroy: bool = False,
                         now: Now = _local_now) -> dict[str, Any]:
    """``{"type": "change_summary", "changes": {"add", "change", "remove", "operation"}}``
    with Terraform's closing sentence as its message."""
    message = complete_line(add, change, remove, destroy=destroy)
    changes = {"add": add, "change": change, "remove": remove,
               "operation": "destroy" if destroy else "apply"}
    return event("change_summary", message, now=now, changes=changes)


def resource_hook(change: ResourceChange, **fields: Any) -> dict[str, Any]:
    resource_type, name = change.typed_address.kind, change.typed_address.name
    resource = {"addr": change.address, "module": "", "resource": change.address,
                "implied_provider": _PROVIDER.get(resource_type.split("_")[0], ""),
                "resource_type": resource_type, "resource_name": name,
                "resource_key": None}
    return {"resource": resource, "action": _JSON_ACTION[change.action], **fields}
