"""``ncplan apply [PLANFILE]`` and ``ncplan destroy``: flags in, exit code out.

The work is :func:`ncplan.orchestration.apply_run.run_apply`. Exit codes: 0 applied (or
nothing to do); 1 an error, a stale plan, a refused approval, or a resource that failed
or was skipped (with ``--rollback-on-failure``, also after a complete rollback); 130
interrupted (Ctrl-C or SIGTERM: the running requests finish and are
recorded, rollouts are no longer awaited; a second one stops at once, after releasing
the lock).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ncplan.commands.options import (
    LockTimeout,
    ParallelismOption,
    RefreshOnlyOption,
    VarFileOption,
    VarOption,
    WaitTimeout,
    parse_duration,
)
from ncplan.errors import NcplanError
from ncplan.interrupts import engine_busy, leave
from ncplan.orchestration.apply_run import ApplyOutcome, ApplySettings, Ending, run_apply
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.plan_run import plan_mode, plan_options
from ncplan.planner.engine import ApplyResult
from ncplan.planner.model import PlanMode
from ncplan.transport.http import DEFAULT_PARALLELISM
from ncplan.views.apply_output import ApplyUi, HumanApplyUi, JsonApplyUi
from ncplan.views.console import make_console
from ncplan.views.errors import render_interrupt

EXIT_INTERRUPTED = 130

AutoApprove = Annotated[bool, typer.Option(
    "--auto-approve", "-auto-approve",
    help="Apply without asking (needed when stdin is not a terminal).")]
Wait = Annotated[bool, typer.Option(
    "--wait/--no-wait", help="Follow each job's rollout until it is healthy or failed.")]
Json = Annotated[bool, typer.Option("--json", "-json", help="One JSON event per line.")]
Target = Annotated[list[str] | None, typer.Option(
    "--target", "-target", metavar="ADDR", help="Limit to ADDR and what it needs (repeatable).")]
NoRefresh = Annotated[bool, typer.Option(
    "--no-refresh", help="Plan against the state alone.")]
RollbackOnFailure = Annotated[bool, typer.Option(
    "--rollback-on-failure", "-rollback-on-failure",
    help="When a step fails, start nothing more and restore what this apply changed "
         "(also rollback_on_failure = true in an apply block of the configuration).")]


def _refuse_unasked(settings: ApplySettings, as_json: bool) -> None:
    """Without a plan file and without --auto-approve, someone must answer on a terminal."""
    if settings.plan_file is not None or settings.auto_approve:
        return
    verb = "destroy" if settings.destroy else "apply"
    if as_json:
        raise NcplanError(f"{verb} --json needs --auto-approve or a plan file: ncplan cannot "
                          "ask for approval while printing JSON")
    if not sys.stdin.isatty():
        raise NcplanError(f"{verb} needs approval, and stdin is not a terminal to ask on",
                          hint="pass --auto-approve, or save a plan with `ncplan plan --out "
                               "FILE` and apply that file")


def _ui(app: AppContext, as_json: bool) -> ApplyUi:
    return JsonApplyUi() if as_json else HumanApplyUi(color=app.color)


def _leave(code: int) -> None:
    """Exit with ``code``: at once while an engine thread is still in a request (see
    :func:`ncplan.interrupts.leave`), else through typer."""
    if engine_busy():
        leave(code)
    raise typer.Exit(code)


def _exit_now(app: AppContext, interrupt: KeyboardInterrupt) -> None:
    """A second Ctrl-C (or the first before the engine ran)."""
    render_interrupt(make_console(stderr=True, color=app.color), interrupt)
    _leave(EXIT_INTERRUPTED)


def run(app: AppContext, settings: ApplySettings, as_json: bool) -> None:
    _refuse_unasked(settings, as_json)
    ui = _ui(app, as_json)
    try:
        _end(run_apply(app, settings, ui), ui)
    except KeyboardInterrupt as interrupt:
        _exit_now(app, interrupt)


def _end(outcome: ApplyOutcome, ui: ApplyUi) -> None:
    """Say how it ended; raise the exit code."""
    if outcome.ending is Ending.CANCELLED:
        ui.cancelled(outcome.destroy)
        raise typer.Exit(1)
    result = outcome.result if outcome.result is not None else ApplyResult()
    ui.finished(result, outcome.destroy)
    if result.interrupted:
        _leave(EXIT_INTERRUPTED)
    if not result.ok:
        raise typer.Exit(1)


def apply_command(
    ctx: typer.Context,
    plan_file: Annotated[Path | None, typer.Argument(
        metavar="PLANFILE",
        help="A plan file written by `ncplan plan --out`: apply exactly it.")] = None,
    auto_approve: AutoApprove = False,
    wait: Wait = True,
    wait_timeout: WaitTimeout = "5m",
    as_json: Json = False,
    rollback_on_failure: RollbackOnFailure = False,
    no_refresh: NoRefresh = False,
    refresh_only: RefreshOnlyOption = False,
    target: Target = None,
    var: VarOption = None,
    var_file: VarFileOption = None,
    lock_timeout: LockTimeout = "0s",
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
) -> None:
    """Make Nomad and Consul match the configuration (or a saved plan)."""
    app = AppContext.of(ctx)
    if plan_file is not None and (target or no_refresh or refresh_only):
        raise NcplanError("a plan file is applied as it was saved: --target, --no-refresh "
                          "and --refresh-only belong to `ncplan plan`")
    options = plan_options(plan_mode(False, refresh_only), target, no_refresh,
                           parse_duration(lock_timeout), parallelism, var, var_file)
    run(app, ApplySettings(plan=options, plan_file=plan_file, auto_approve=auto_approve,
                           wait=wait, wait_timeout=parse_duration(wait_timeout),
                           rollback_on_failure=rollback_on_failure), as_json)


def destroy_command(
    ctx: typer.Context,
    auto_approve: AutoApprove = False,
    wait: Wait = True,
    wait_timeout: WaitTimeout = "5m",
    as_json: Json = False,
    no_refresh: NoRefresh = False,
    target: Target = None,
    var: VarOption = None,
    var_file: VarFileOption = None,
    lock_timeout: LockTimeout = "0s",
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
) -> None:
    """Delete everything ncplan manages (or --target ADDR and what needs it)."""
    app = AppContext.of(ctx)
    options = plan_options(PlanMode.DESTROY, target, no_refresh, parse_duration(lock_timeout),
                           parallelism, var, var_file)
    run(app, ApplySettings(plan=options, auto_approve=auto_approve, wait=wait,
                           wait_timeout=parse_duration(wait_timeout)), as_json)
