"""The part of the mesh a plan changes, as a Mermaid graph for a pull-request comment.

GitHub and GitLab draw a ```mermaid block. Nodes are the resources the plan creates,
updates, replaces or destroys, each styled by its action (one ``classDef`` per action),
and the resources they need that the plan leaves alone (plain, for context). An arrow
``A --> B`` reads "A needs B", as in ``ncplan graph --format mermaid``. A legend line
follows the block, so the colours read without a key in the picture.
"""

from __future__ import annotations

from collections.abc import Mapping

from ncplan.planner.model import Action, Adoption, Plan, ResourceChange

#: Each action's class: its name in the graph and its colours (GitHub's diff colours).
CLASSES: Mapping[Action, tuple[str, str]] = {
    Action.CREATE: ("create", "fill:#e6ffed,stroke:#2da44e,color:#1f2328"),
    Action.UPDATE: ("update", "fill:#fff8c5,stroke:#bf8700,color:#1f2328"),
    Action.REPLACE: ("replace", "fill:#fbefff,stroke:#8250df,color:#1f2328"),
    Action.DELETE: ("delete", "fill:#ffebe9,stroke:#cf222e,color:#1f2328"),
}
#: An adopted object that changes nothing else: imported, or recorded in the state.
ADOPTED: Mapping[Adoption, tuple[str, str]] = {
    Adoption.IMPORT: ("import", "fill:#ddf4ff,stroke:#0969da,color:#1f2328"),
    Adoption.RECORD: ("record", "fill:#ddf4ff,stroke:#0969da,color:#1f2328"),
}
UNCHANGED = ("unchanged", "fill:#f6f8fa,stroke:#8c959f,color:#57606a")
SIGNS: Mapping[Action, str] = {Action.CREATE: "+", Action.UPDATE: "~",
                               Action.REPLACE: "-/+", Action.DELETE: "-"}
LEGEND = ("Legend: `+` create, `~` update in place, `-/+` replace, `-` destroy{adopted}; "
          "grey: needed, unchanged. An arrow points at what a resource needs.")
ADOPTED_LEGEND = {"import": ", `import` adopted into the state (made outside ncplan)",
                  "record": ", `record` recorded in the state (applied, then interrupted)"}


def _class_and_sign(change: ResourceChange) -> tuple[str, str, str]:
    """A changed node's class name, its style and the sign its label starts with."""
    if change.action is Action.NOOP and change.adoption is not None:
        name, style = ADOPTED[change.adoption]
        return name, style, name
    name, style = CLASSES[change.action]
    return name, style, SIGNS[change.action]


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
            name, _, sign = _class_and_sign(change)
            lines.append(f"  {ids[address]}[{_label(f'{sign} {address}')}]:::{name}")
    for address in sorted(changed):
        for need in changed[address].depends_on:
            lines.append(f"  {ids[address]} --> {ids[need]}")
    used = dict(_class_and_sign(c)[:2] for c in changed.values())
    for name, style in [*CLASSES.values(), *ADOPTED.values()]:
        if name in used:
            lines.append(f"  classDef {name} {style}")
    if needed:
        lines.append(f"  classDef {UNCHANGED[0]} {UNCHANGED[1]}")
    adopted = "".join(words for name, words in ADOPTED_LEGEND.items() if name in used)
    return [*lines, "```", "", LEGEND.format(adopted=adopted), ""]
