"""Nomad's own plan of a job as lines: its field diff, scheduler annotations, placement
failures. Pure; the human and Markdown views style the lines.

The field diff follows ``nomad job plan``: ``~ Count: "1" => "2" (forces create)``,
``+ Env[MESSAGE]: "hello"``, ``- Meta[x]: "y"``; objects (``Constraint``, ``Update``...)
open a block; task groups and tasks are ``group "NAME"`` and ``task "NAME"`` blocks. Parts
whose ``Type`` is ``"None"`` are left out. The diff comes with its masked values already
hidden (:func:`ncplan.planner.redaction.hidden_nomad_plan`): a marker shows unquoted,
``(sensitive value)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.planner.redaction import MARKER
from ncplan.providers.live import GroupAnnotation, PlacementFailure
from ncplan.views.attribute_diff import DiffLine

_SIGNS = {"Added": "+", "Deleted": "-", "Edited": "~"}

#: GroupAnnotation field -> Nomad's words for it, in the order ``nomad job plan`` uses.
ANNOTATION_WORDS = (("place", "create"), ("destructive_update", "destructive update"),
                    ("in_place_update", "in-place update"), ("stop", "stop"),
                    ("migrate", "migrate"), ("canary", "canary"), ("ignore", "ignore"),
                    ("preemptions", "preemption"))


def job_diff_lines(diff: Mapping[str, Any], depth: int) -> list[DiffLine]:
    """The job's fields, objects and task groups, at ``depth``."""
    lines = _part_lines(diff, depth)
    for group in diff.get("TaskGroups") or ():
        lines += _block(group, f'group "{group.get("Name", "")}"', depth,
                        children=group.get("Tasks") or (), child_word="task")
    return lines


_INVERSE = {"Added": "Deleted", "Deleted": "Added"}


def inverted(diff: Mapping[str, Any]) -> dict[str, Any]:
    """The same diff read the other way (``Old`` and ``New`` swapped, added <-> deleted).

    A drift plan asks Nomad to plan the job *as recorded* against the live one, so its
    diff goes live -> recorded; the drift section shows recorded -> live."""
    result: dict[str, Any] = {}
    for key, value in diff.items():
        if key == "Type":
            result[key] = _INVERSE.get(str(value), value)
        elif key == "Annotations":  # what Nomad would do to undo it: not what changed
            result[key] = None
        elif key == "Old":
            result["New"] = value
        elif key == "New":
            result["Old"] = value
        elif isinstance(value, list):
            result[key] = [inverted(v) if isinstance(v, Mapping) else v for v in value]
        else:
            result[key] = value
    return result


def _part_lines(part: Mapping[str, Any], depth: int) -> list[DiffLine]:
    lines = [_field_line(field, depth) for field in part.get("Fields") or ()
             if field.get("Type") in _SIGNS]
    for obj in part.get("Objects") or ():
        lines += _block(obj, str(obj.get("Name", "")), depth)
    return lines


def _block(part: Mapping[str, Any], title: str, depth: int, *,
           children: Any = (), child_word: str = "") -> list[DiffLine]:
    inner = _part_lines(part, depth + 1)
    for child in children:
        inner += _block(child, f'{child_word} "{child.get("Name", "")}"', depth + 1)
    sign = _SIGNS.get(str(part.get("Type")))
    if sign is None and not inner:
        return []
    notes = _notes(part.get("Annotations"))
    return [DiffLine(depth, sign or " ", f"{title}{notes} {{"), *inner,
            DiffLine(depth, " ", "}")]


def _field_line(field: Mapping[str, Any], depth: int) -> DiffLine:
    kind = str(field.get("Type"))
    old, new = _quoted(field.get("Old")), _quoted(field.get("New"))
    value = new if kind == "Added" else old if kind == "Deleted" else f"{old} => {new}"
    notes = _notes(field.get("Annotations"))
    return DiffLine(depth, _SIGNS[kind], f"{field.get('Name', '')}: {value}{notes}")


def _quoted(value: Any) -> str:
    text = "" if value is None else str(value)
    if text == MARKER:
        return MARKER
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _notes(annotations: Any) -> str:
    return f" ({', '.join(str(a) for a in annotations)})" if annotations else ""


def annotation_text(annotation: GroupAnnotation) -> str:
    """``web: 1 create, 2 in-place update`` (``web: no change`` when every count is 0)."""
    parts = [f"{getattr(annotation, field)} {word}" for field, word in ANNOTATION_WORDS
             if getattr(annotation, field)]
    return f"{annotation.group}: {', '.join(parts) or 'no change'}"


def failure_title(failure: PlacementFailure) -> str:
    """``group "web" cannot be placed (1 allocation)``."""
    count = 1 + failure.coalesced_failures
    noun = "allocation" if count == 1 else "allocations"
    return f'group "{failure.group}" cannot be placed ({count} {noun})'


def _nodes(count: int) -> str:
    return f"{count} node" if count == 1 else f"{count} nodes"


def failure_reasons(failure: PlacementFailure) -> list[str]:
    """Each reason on one line, as Nomad reports it (filters, exhausted dimensions)."""
    reasons = [f'constraint "{name}" filtered {_nodes(count)}'
               for name, count in sorted(failure.constraint_filtered.items())]
    reasons += [f'node class "{name}" filtered {_nodes(count)}'
                for name, count in sorted(failure.class_filtered.items())]
    reasons += [f'dimension "{name}" exhausted on {_nodes(count)}'
                for name, count in sorted(failure.dimension_exhausted.items())]
    available = ", ".join(f"{dc}: {count}" for dc, count in sorted(failure.nodes_available.items()))
    summary = f"{_nodes(failure.nodes_evaluated)} evaluated"
    if failure.nodes_filtered:
        summary += f", {failure.nodes_filtered} filtered"
    if failure.nodes_exhausted:
        summary += f", {failure.nodes_exhausted} exhausted"
    if available:
        summary += f" (available by datacenter: {available})"
    return [*reasons, summary]

