"""``ncplan import ADDR ID``: adopt a live job, intention or service-defaults entry."""

from __future__ import annotations

from typing import Annotated

import typer

from ncplan.commands.options import LockTimeout, VarFileOption, VarOption, parse_duration
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.import_run import run_import
from ncplan.orchestration.plan_run import PlanOptions
from ncplan.views.apply_output import print_imported


def command(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(
        metavar="ADDR",
        help="nomad_job.NAME, consul_intention.SRC:DST or consul_service_defaults.NAME")],
    ident: Annotated[str, typer.Argument(
        metavar="ID", help="The live object's ID: the job ID, SRC:DST, or the service name")],
    var: VarOption = None,
    var_file: VarFileOption = None,
    lock_timeout: LockTimeout = "0s",
) -> None:
    """Adopt a live object into the state, so ncplan manages it from now on."""
    app = AppContext.of(ctx)
    options = PlanOptions(lock_timeout=parse_duration(lock_timeout), var=tuple(var or ()),
                          var_file=tuple(var_file or ()))
    record = run_import(app, address, ident, options)
    print_imported(record.address, record.observed_index, color=app.color)
