"""``ncplan plan``: what apply would do, as Terraform shows it; ``--out`` saves it.

Exit codes: 0 success, 1 error; with ``--detailed-exitcode`` 0 no changes, 2 changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncplan.commands.options import (
    LockTimeout,
    ParallelismOption,
    RefreshOnlyOption,
    VarFileOption,
    VarOption,
    parse_duration,
)
from ncplan.errors import NcplanError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.plan_run import make_plan, plan_mode, plan_options
from ncplan.planner import planfile
from ncplan.planner.model import Plan
from ncplan.transport.http import DEFAULT_PARALLELISM
from ncplan.views.plan_output import plan_form, print_plan

EXIT_CHANGES = 2


def save_plan(plan: Plan, path: Path, secrets: frozenset[str]) -> None:
    """``--out``: the plan file (a path relative to the current directory, as
    ``--var-file``), the sensitive values (``secrets``) redacted."""
    try:
        planfile.write(plan, path, secrets)
    except OSError as error:
        raise NcplanError(f"{path}: cannot write the plan file: {error.strerror}") from error


def command(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(
        "--out", "-out", metavar="FILE",
        help="Write the plan to this file, for `ncplan apply FILE`.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", "-json", help="Print the plan as JSON (Terraform's show -json shape).")] = False,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print a pull-request comment.")] = False,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", "-detailed-exitcode",
        help="Exit 0: no changes, 1: error, 2: changes.")] = False,
    no_refresh: Annotated[bool, typer.Option(
        "--no-refresh", help="Plan against the state alone; no Nomad or Consul needed.")
    ] = False,
    refresh_only: RefreshOnlyOption = False,
    destroy: Annotated[bool, typer.Option(
        "--destroy", "-destroy", help="Plan deleting everything in the state.")] = False,
    target: Annotated[list[str] | None, typer.Option(
        "--target", "-target", metavar="ADDR",
        help="Limit the plan to ADDR and what it needs (repeatable).")] = None,
    var: VarOption = None,
    var_file: VarFileOption = None,
    lock_timeout: LockTimeout = "0s",
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
) -> None:
    """Show what apply would change in Nomad and Consul."""
    app = AppContext.of(ctx)
    form = plan_form(as_json, markdown)
    options = plan_options(plan_mode(destroy, refresh_only), target, no_refresh,
                           parse_duration(lock_timeout), parallelism, var, var_file)
    run = make_plan(app, options)
    plan = run.plan
    if out is not None:
        save_plan(plan, out, run.config.sensitive_values())
    print_plan(plan, form, color=app.color)
    if detailed_exitcode and not plan.is_empty():
        raise typer.Exit(EXIT_CHANGES)
