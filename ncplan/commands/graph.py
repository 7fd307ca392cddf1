"""``ncplan graph [--format text|dot|mermaid]``: the service graph and the apply order."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from ncplan.commands.options import VarFileOption, VarOption
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import load_parsed_by_nomad
from ncplan.resources.desired import lower_config
from ncplan.resources.graph import build_graph
from ncplan.views.graph import print_graph


class GraphFormat(enum.StrEnum):
    TEXT = "text"
    DOT = "dot"
    MERMAID = "mermaid"


def command(
    ctx: typer.Context,
    output_format: Annotated[GraphFormat, typer.Option(
        "--format", metavar="FORMAT",
        help="text (a tree), dot (Graphviz) or mermaid (a Mermaid flowchart).")
    ] = GraphFormat.TEXT,
    var: VarOption = None,
    var_file: VarFileOption = None,
) -> None:
    """Print the services with their upstreams, and the order apply will follow.

    Raw jobs with `dynamic` blocks are parsed by Nomad when it can be reached, so their
    dependencies are complete; otherwise a warning says the graph is partial."""
    app = AppContext.of(ctx)
    config = load_parsed_by_nomad(app, var or [], var_file or [])
    print_graph(build_graph(config, lower_config(config)), output_format.value, color=app.color)
