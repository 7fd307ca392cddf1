"""``ncplan render [NAME] [--format json|hcl]``: the Nomad jobs and Consul entries to be."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Annotated

import typer

from ncplan.commands.options import VarFileOption, VarOption
from ncplan.errors import NcplanError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import load
from ncplan.planner.redaction import redact
from ncplan.resources.desired import lower_config, select_resources
from ncplan.resources.payloads import payload_document
from ncplan.views.render import print_render


class RenderFormat(enum.StrEnum):
    JSON = "json"
    HCL = "hcl"


def command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(
        metavar="NAME",
        help="Only this service or job (its job, service-defaults, intentions toward it).")
    ] = None,
    output_format: Annotated[RenderFormat, typer.Option(
        "--format", metavar="FORMAT",
        help="json (the API payloads) or hcl (jobspecs for `nomad job run`).")
    ] = RenderFormat.JSON,
    var: VarOption = None,
    var_file: VarFileOption = None,
    show_sensitive: Annotated[bool, typer.Option(
        "--show-sensitive", help="Print sensitive variables' values instead of (sensitive value), "
        "e.g. to pipe a jobspec into `nomad job run -`.")] = False,
) -> None:
    """Print the generated Nomad jobs and Consul config entries."""
    app = AppContext.of(ctx)
    config = load(app, var or [], var_file or [])
    resources = lower_config(config)
    if not show_sensitive:
        secrets = config.sensitive_values()
        resources = tuple(replace(r, body=redact(r.body, secrets)) for r in resources)
    if name is not None:
        resources = select_resources(resources, name)
        if not resources:
            known = ", ".join(config.job_names) or "none"
            raise NcplanError(f"no service or job named {name!r}",
                              hint=f"the configuration declares: {known}")
    print_render(payload_document(resources), output_format.value,
                 {j.name: j.source for j in config.jobs})
