"""Reading one block against its schema: unknown names, types, required values.

``read_body`` records a diagnostic for every problem and returns what was usable, so a
run reports all errors of a file rather than stopping at the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ncplan.config.collector import Sink, Where
from ncplan.config.hcl import value_pos
from ncplan.config.interpolate import INVALID, Expander, as_text
from ncplan.config.schema import Attr, Block
from ncplan.config.syntax import RawBlock


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`` Did you mean "x"?`` for a near miss, else an empty string."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


def unknown_name_detail(name: str, candidates: Iterable[str], accepted: str) -> str:
    """``Did you mean "x"? <accepted>``, or just ``accepted`` when nothing is close."""
    hint = suggest(name, candidates).strip()
    return f"{hint} {accepted}" if hint else accepted


@dataclass
class Body:
    """A block's usable content: converted attribute values, their places, its sub-blocks."""

    block: RawBlock
    file: str
    values: dict[str, Any] = field(default_factory=dict)
    places: dict[str, Where] = field(default_factory=dict)
    blocks: dict[str, list[RawBlock]] = field(default_factory=dict)

    @property
    def where(self) -> Where:
        return Where(self.file, self.block.pos)

    def place(self, name: str) -> Where:
        return self.places.get(name, self.where)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def describe(block: RawBlock) -> str:
    """``service "web"`` / ``task``: how a block is named in messages."""
    return " ".join([block.type, *(f'"{label}"' for label in block.labels)])


def check_labels(block: RawBlock, schema: Block, file: str, sink: Sink) -> bool:
    wanted = len(schema.labels)
    if len(block.labels) == wanted:
        return True
    names = " ".join(f'"{label.upper()}"' for label in schema.labels)
    usage = f"{block.type} {names} {{ ... }}".replace("  ", " ")
    sink.error(
        f"{block.type} block needs {wanted} label{'s' if wanted != 1 else ''}, "
        f"got {len(block.labels)}",
        Where(file, block.pos),
        f"write it as: {usage}",
    )
    return False


def read_body(block: RawBlock, schema: Block, file: str, sink: Sink,
              expander: Expander | None) -> Body:
    """Check and convert a block's attributes; sub-blocks are returned unread."""
    body = Body(block, file)
    _read_attributes(body, schema, sink, expander)
    _read_blocks(body, schema, sink, expander)
    _check_required(body, schema, sink)
    return body


def _unknown_detail(name: str, block: RawBlock, schema: Block) -> str:
    known = [*schema.attributes, *schema.blocks]
    return unknown_name_detail(name, known,
                               f"{block.type} blocks accept: " + ", ".join(sorted(known)))


def _read_attributes(body: Body, schema: Block, sink: Sink,
                     expander: Expander | None) -> None:
    block = body.block
    for attribute in block.attributes:
        where = Where(body.file, attribute.pos)
        if attribute.name in body.places:
            sink.error(f'attribute "{attribute.name}" is set twice in {describe(block)}',
                       where, "remove one of them")
            continue
        body.places[attribute.name] = where
        spec = schema.attributes.get(attribute.name)
        if spec is None:
            sink.error(f'unknown attribute "{attribute.name}" in {describe(block)}', where,
                       _unknown_detail(attribute.name, block, schema))
            continue
        value = attribute.value
        if expander is not None:
            value = expander.expand(value, where)
            if value is INVALID:
                continue
        converted = convert(value, spec.type)
        wrong = mismatch(value, spec, converted)
        if wrong is not None:
            _wrong_type(body, attribute.name, where, wrong, sink)
            continue
        body.values[attribute.name] = converted


def _read_blocks(body: Body, schema: Block, sink: Sink, expander: Expander | None) -> None:
    block = body.block
    for sub in block.blocks:
        where = Where(body.file, sub.pos)
        sub_schema = schema.blocks.get(sub.type)
        if sub_schema is None:
            spec = schema.attributes.get(sub.type)
            if spec is not None and spec.block_ok and not sub.labels:
                _block_as_map(body, sub, spec, sink, expander)
                continue
            sink.error(f'unknown block "{sub.type}" in {describe(block)}', where,
                       _unknown_detail(sub.type, block, schema))
            continue
        siblings = body.blocks.setdefault(sub.type, [])
        if siblings and not sub_schema.repeatable:
            sink.error(f'duplicate {sub.type} block in {describe(block)}', where,
                       f"a {block.type} block has at most one {sub.type} block")
            continue
        if check_labels(sub, sub_schema, body.file, sink):
            siblings.append(sub)


def _check_required(body: Body, schema: Block, sink: Sink) -> None:
    block = body.block
    for name, spec in schema.attributes.items():
        if spec.required and name not in body.places:
            sink.error(f'missing required attribute "{name}" in {describe(block)}',
                       body.where, f'add {name} = ... to the {block.type} block')
    for name, sub_schema in schema.blocks.items():
        if sub_schema.required and not body.blocks.get(name):
            sink.error(f'missing required block "{name}" in {describe(block)}',
                       body.where, f"add a {name} {{ ... }} block")


def _block_as_map(body: Body, sub: RawBlock, spec: Attr, sink: Sink,
                  expander: Expander | None) -> None:
    where = Where(body.file, sub.pos)
    if sub.type in body.places:
        sink.error(f'"{sub.type}" is set twice in {describe(body.block)}', where,
                   "write it either as an attribute or as a block, once")
        return
    body.places[sub.type] = where
    mapping = _plain(sub)  # an unlabelled block (read_body checks): just its content
    value: Any = mapping
    if expander is not None:
        value = expander.expand(mapping, where)
        if value is INVALID:
            return
    converted = convert(value, spec.type)
    wrong = mismatch(value, spec, converted)
    if wrong is not None:
        path = wrong[0]
        inside = next((a for a in sub.attributes if path and a.name == path[0]), None)
        if inside is None:
            sink.error(f'wrong type in {sub.type} block of {describe(body.block)}: expected '
                       f"{type_phrase(spec.type)}", where)
            return
        _wrong_type(body, sub.type, Where(body.file, inside.pos), wrong, sink, skip=1)
        return
    body.values[sub.type] = converted


Wrong = tuple[tuple[str | int, ...], str, Any]


def mismatch(value: Any, spec: Attr, converted: Any) -> Wrong | None:
    """Where ``value`` (``converted`` by ``convert``) breaks ``spec``: ``(path, expected
    type, value found)``, or None.

    The path leads to the innermost wrong value (``("args", 1)``), so the diagnostic can
    point at it rather than at the whole attribute.
    """
    if converted is INVALID:
        return _inner(value, spec.type, ())
    if spec.fields and isinstance(value, dict):
        for name, kind in spec.fields.items():
            if name in value and convert(value[name], kind) is INVALID:
                return _inner(value[name], kind, (name,))
    return None


def _inner(value: Any, kind: str, path: tuple[str | int, ...]) -> Wrong:
    if kind == "list(string)" and isinstance(value, list):
        for index, item in enumerate(value):
            if convert(item, "string") is INVALID:
                return (*path, index), "string", item
    if kind == "map(string)" and isinstance(value, dict):
        for key, item in value.items():
            if convert(item, "string") is INVALID:
                return (*path, key), "string", item
    return path, kind, value


def _wrong_type(body: Body, name: str, where: Where, wrong: Wrong, sink: Sink,
                skip: int = 0) -> None:
    """``wrong type for "config.args[1]" ...``, at the wrong value itself when it is nested.

    ``skip``: how many steps of the path ``where`` already went down (a block's attribute).
    """
    path, kind, found = wrong
    shown = name + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    place = where
    text = sink.texts.get(where.file)
    if path and text is not None:  # a nested value: point at it
        nested = value_pos(text, where.pos, path[skip:])
        place = Where(where.file, nested) if nested is not None else where
    sink.error(f'wrong type for "{shown}" in {describe(body.block)}: expected '
               f"{type_phrase(kind)}, got {value_phrase(found)}", place)


def _plain(block: RawBlock) -> dict[str, Any]:
    """A nested block inside a map-like block, as python-hcl2 would show it."""
    content: dict[str, Any] = {a.name: a.value for a in block.attributes}
    for nested in block.blocks:
        content.setdefault(nested.type, []).append(_plain(nested))
    for label in reversed(block.labels):
        content = {label: content}
    return content


def type_phrase(kind: str) -> str:
    return {
        "string": "a string", "number": "a number", "int": "a whole number",
        "bool": "a bool (true or false)", "list(string)": "a list of strings",
        "list": "a list", "map(string)": "a map of strings", "map": "a map",
    }.get(kind, kind)


def value_phrase(value: Any) -> str:
    if isinstance(value, bool):
        return f"bool {'true' if value else 'false'}"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    if value is None:
        return "null"
    return type(value).__name__


def convert(value: Any, kind: str) -> Any:
    """``value`` converted to ``kind`` the way HCL converts, or ``INVALID``."""
    if kind == "any":
        return value
    if kind == "string":
        if isinstance(value, (str, int, float, bool)):
            return as_text(value)
        return INVALID
    if kind in ("number", "int"):
        return _number(value, integer=kind == "int")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        return INVALID
    if kind in ("list", "list(string)"):
        if not isinstance(value, list):
            return INVALID
        if kind == "list":
            return value
        items = [convert(item, "string") for item in value]
        return INVALID if any(item is INVALID for item in items) else items
    if kind in ("map", "map(string)"):
        if not isinstance(value, dict):
            return INVALID
        if kind == "map":
            return value
        pairs = {str(k): convert(v, "string") for k, v in value.items()}
        return INVALID if any(v is INVALID for v in pairs.values()) else pairs
    raise ValueError(f"unknown type {kind}")


def _number(value: Any, *, integer: bool) -> Any:
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, str):
        try:
            value = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return INVALID
    if isinstance(value, float):
        if integer:
            return int(value) if value.is_integer() else INVALID
        return value
    if isinstance(value, int):
        return value
    return INVALID
