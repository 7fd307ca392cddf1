"""The part of the mesh a plan changes, as a Mermaid graph for a pull-request comment.

GitHub and GitLab draw a ```mermaid block. Nodes are the resources the plan creates,
updates, replaces or destroys, each styled by its action (one ``classDef`` per action),
and the resources they need that the plan leaves alone (plain, for context). An arrow
``A --> B`` reads "A needs B", as in ``ncplan graph --format mermaid``. A legend line
follows the block, so the colours read without a key in the picture.
"""

from __future__ import annotations

from collections.abc import Mapping

from ncplan.planner.model import Action, Plan

#: Each action's class: its name in the graph and its colours (GitHub's diff colours).
CLASSES: Mapping[Action, tuple[str, str]] = {
    Action.CREATE: ("create", "fill:#e6ffed,stroke:#2da44e,color:#1f2328"),
    Action.UPDATE: ("update", "fill:#fff8c5,stroke:#bf8700,color:#1f2328"),
    Action.REPLACE: ("replace", "fill:#fbefff,stroke:#8250df,color:#1f2328"),
    Action.DELETE: ("delete", "fill:#ffebe9,stroke:#cf222e,color:#1f2328"),
}
UNCHANGED = ("unchanged", "fill:#f6f8fa,stroke:#8c959f,color:#57606a")
SIGNS: Mapping[Action, str] = {Action.CREATE: "+", Action.UPDATE: "~",
                               Action.REPLACE: "-/+", Action.DELETE: "-"}
LEGEND = ("Legend: `+` create, `~` update in place, `-/+` replace, `-` destroy; grey: "
          "needed, unchanged. An arrow points at what a resource needs.")


def _label(text: str) -> str:
    """A quoted Mermaid label: a quote or an opening angle bracket as an entity code."""
    return '"' + text.replace('"', "#quot;").replace("<", "#lt;") + '"'


def change_graph(plan: Plan) -> list[str]:
    """The Markdown lines of the graph (a fenced block and the legend); none when the plan
    changes nothing."""
    changed = {c.address: c for c in plan.actionable}
    if not changed:
        return []
    needed = {need for c in changed.values() for need in c.depends_on if need not in changed}
    nodes = [*sorted(changed), *sorted(needed)]
    ids = {address: f"n{index}" for index, address in enumerate(nodes)}
    lines = ["```mermaid", "graph LR"]
    for address in nodes:
        change = changed.get(address)
        if change is None:
            lines.append(f"  {ids[address]}[{_label(address)}]:::{UNCHANGED[0]}")
        else:
            label = f"{SIGNS[change.action]} {address}"
            lines.append(f"  {ids[address]}[{_label(label)}]:::{CLASSES[change.action][0]}")
    for address in sorted(changed):
        for need in changed[address].depends_on:
            lines.append(f"  {ids[address]} --> {ids[need]}")
    used = {c.action for c in changed.values()}
    for action, (name, style) in CLASSES.items():
        if action in used:
            lines.append(f"  classDef {name} {style}")
    if needed:
        lines.append(f"  classDef {UNCHANGED[0]} {UNCHANGED[1]}")
    return [*lines, "```", "", LEGEND, ""]
