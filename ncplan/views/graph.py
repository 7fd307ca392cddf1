"""``ncplan graph`` output: a Rich tree (text), Graphviz dot, or a Mermaid flowchart.

In dot and Mermaid an arrow ``A -> B`` reads "A needs B" (B is applied first).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ncplan.resources.graph import Graph, ResourceGraph
from ncplan.views.console import make_console


def print_graph(graph: Graph, output_format: str, *, color: bool) -> None:
    """Write the graph to stdout: ``dot``, ``mermaid``, or else the text tree."""
    if output_format == "dot":
        sys.stdout.write(graph_dot(graph.resources))
    elif output_format == "mermaid":
        sys.stdout.write(graph_mermaid(graph.resources))
    else:
        print_graph_text(make_console(stderr=False, color=color), graph)


def print_graph_text(console: Console, graph: Graph) -> None:
    """The services with what they dial and wait for, then the apply order in batches."""
    services = Tree("[bold]Services[/]")
    for name in graph.services.names:
        node = services.add(escape(name))
        for upstream in graph.services.upstreams[name]:
            node.add(f"-> {escape(upstream)}{_where(graph, name, upstream)}")
        for required in graph.services.depends_on[name]:
            node.add(f"after {escape(required)} (depends_on)")
    console.print(services)
    order = Tree("[bold]Apply order[/]")
    for number, batch in enumerate(graph.apply_order, start=1):
        step = order.add(f"{number}.")
        for address in batch:
            step.add(escape(address))
    console.print(order)


def _where(graph: Graph, job: str, upstream: str) -> str:
    """`` (external)``, `` (in this job)``, `` (in job X)``, or nothing for a job's name."""
    if upstream in graph.services.external:
        return " (external)"
    owner = graph.services.owner.get(upstream)
    if owner is None:
        return ""
    return " (in this job)" if owner == job else f" (in job {escape(owner)})"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(graph: ResourceGraph) -> str:
    lines = ["digraph ncplan {", "  rankdir = LR;", "  node [shape = box];"]
    lines += [f"  {_quote(node)};" for node in graph.nodes]
    lines += [f"  {_quote(a)} -> {_quote(b)};" for a, b in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_mermaid(graph: ResourceGraph) -> str:
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node]}["{node.replace(chr(34), "#quot;")}"]' for node in graph.nodes]
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges]
    return "\n".join(lines) + "\n"
