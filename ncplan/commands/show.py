"""``ncplan show [PLANFILE] [--json | --markdown]``: a saved plan, or the state.

With a plan file: the plan as ``plan`` printed it (``--json``: the same JSON;
``--markdown``: the same pull-request comment, so a pipeline posts the plan it saved).
Without one: the state, one resource after another; ``--json`` prints it in Terraform's state
shape (``values.root_module.resources[]``, as ``terraform show -json``). Sensitive
variables' values are masked either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncplan.commands.options import VarFileOption, VarOption
from ncplan.errors import NcplanError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import backend_for, config_from_directory
from ncplan.planner import planfile
from ncplan.planner.redaction import redacted_state
from ncplan.state.model import State
from ncplan.views import state as state_view
from ncplan.views.console import make_console
from ncplan.views.plan_output import PlanForm, plan_form, print_plan, print_state, print_state_json


def read_state(app: AppContext, var: list[str] | None,
               var_file: list[Path] | None) -> tuple[State | None, frozenset[str]]:
    """The state and the sensitive variables' values (to mask them)."""
    config = config_from_directory(app, var, var_file)
    secrets = config.sensitive_values() if config is not None else frozenset()
    return backend_for(app, config).read(), secrets


def command(
    ctx: typer.Context,
    plan_file: Annotated[Path | None, typer.Argument(
        metavar="PLANFILE", help="A plan file written by `ncplan plan --out`.")] = None,
    as_json: Annotated[bool, typer.Option("--json", "-json", help="Print JSON.")] = False,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print a saved plan as a pull-request comment.")] = False,
    var: VarOption = None,
    var_file: VarFileOption = None,
) -> None:
    """Show a saved plan, or the state."""
    app = AppContext.of(ctx)
    form = plan_form(as_json, markdown)
    if plan_file is not None:
        print_plan(planfile.read(plan_file), form, color=app.color)
        return
    if form is PlanForm.MARKDOWN:
        raise NcplanError("--markdown needs a plan file: ncplan show PLANFILE --markdown")
    state, secrets = read_state(app, var, var_file)
    if state is None:
        state_view.note(make_console(stderr=True, color=app.color), "No state.")
    elif as_json:
        print_state_json(redacted_state(state, secrets))
    else:
        print_state(redacted_state(state, secrets), color=app.color)
