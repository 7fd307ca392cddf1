"""The only module that parses HCL: text -> ``ParsedFile`` (tree-sitter, tree-sitter-hcl).

tree-sitter gives every node its exact place and recovers from syntax errors, so one
parse reports every error of a file (``hclerrors``); values are read by ``hclvalue`` the
way python-hcl2 read them before (the differential test holds both to that).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from ncplan.config.collector import offset_pos
from ncplan.config.hclblank import blank_literals
from ncplan.config.hclerrors import syntax_problems
from ncplan.config.hcllimits import limits_problem
from ncplan.config.hclvalue import (
    SOURCE,
    node_text,
    object_key,
    stand_in_percents,
    unwrap,
    value,
)
from ncplan.config.syntax import ParsedFile, Pos, RawAttribute, RawBlock, SyntaxProblem


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


PARSER_VERSION = f"tree-sitter {_version('tree-sitter')}, " \
                 f"tree-sitter-hcl {_version('tree-sitter-hcl')}"

_PARSER = Parser(Language(tree_sitter_hcl.language()))

# Blocks whose whole body is kept as a value (raw jobs are passed through, not decoded).
_KEEP_BODY = frozenset({"job"})


class Positions:
    """Byte offsets of one text -> ``Pos`` (1-based lines and columns in characters)."""

    def __init__(self, text: str, data: bytes) -> None:
        self.ascii = len(text) == len(data)
        self.data = data
        self.line_starts: list[int] = []
        if not self.ascii:
            chars = 0
            for line in data.split(b"\n"):
                self.line_starts.append(chars)
                chars += len(line.decode("utf-8", "replace")) + 1

    def column(self, row: int, byte_column: int, byte_offset: int) -> int:
        if self.ascii:
            return byte_column
        line_start = byte_offset - byte_column
        return len(self.data[line_start:byte_offset].decode("utf-8", "replace"))

    def offset(self, row: int, byte_column: int, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        return self.line_starts[row] + self.column(row, byte_column, byte_offset)

    def of(self, node: Node) -> Pos:
        (row, col), (end_row, end_col) = node.start_point, node.end_point
        start, end = node.start_byte, node.end_byte
        if self.ascii:
            return Pos(row + 1, col + 1, end_row + 1, end_col + 1, start, end)
        return Pos(row + 1, self.column(row, col, start) + 1, end_row + 1,
                   self.column(end_row, end_col, end) + 1, self.offset(row, col, start),
                   self.offset(end_row, end_col, end))


def _label(node: Node) -> str:
    return node_text(node) if node.type == "identifier" else str(value(node))


def _expression(node: Node) -> Node:
    """An attribute's value: ``name = value`` (a well-formed attribute has three children)."""
    child = node.child(2)
    if child is not None and child.type == "expression":
        return child
    for child in node.named_children:  # a comment inside the attribute
        if child.type == "expression":
            return child
    raise ValueError("an attribute without a value")


def _contents(body: Node | None, positions: Positions, top_level: bool
              ) -> tuple[tuple[RawAttribute, ...], tuple[RawBlock, ...]]:
    """The attributes and blocks of a body, in source order."""
    attributes: list[RawAttribute] = []
    blocks: list[RawBlock] = []
    for child in body.named_children if body is not None else ():
        if child.type == "attribute":
            attributes.append(RawAttribute(node_text(child.children[0]),
                                           value(_expression(child)), positions.of(child)))
        elif child.type == "block":
            blocks.append(_block(child, positions, top_level))
    return tuple(attributes), tuple(blocks)


def _body(node: Node) -> Node | None:
    """The ``body`` child of a block or of a parse's root."""
    for child in node.named_children:
        if child.type == "body":
            return child
    return None


def _labels(block: Node) -> list[Node]:
    """A block's type followed by its labels."""
    return [c for c in block.named_children if c.type in ("identifier", "string_lit")]


def _block(node: Node, positions: Positions, top_level: bool) -> RawBlock:
    labels = _labels(node)
    body = _body(node)
    attributes, blocks = _contents(body, positions, top_level=False)
    kind = node_text(labels[0])
    return RawBlock(
        type=kind,
        labels=tuple(_label(label) for label in labels[1:]),
        label_pos=tuple(positions.of(label) for label in labels[1:]),
        pos=positions.of(node),
        attributes=attributes,
        blocks=blocks,
        body=body_value(body) if top_level and kind in _KEEP_BODY else None,
    )


def body_value(body: Node | None) -> dict[str, Any]:
    """A body as one value: attributes by name, blocks as lists under their type, each
    nested in its labels (``group "api" {...}`` -> ``{"group": [{"api": {...}}]}``)."""
    result: dict[str, Any] = {}
    attributes: set[str] = set()  # a block after a same-named attribute replaces it
    for child in body.named_children if body is not None else ():
        if child.type == "attribute":
            name = node_text(child.children[0])
            attributes.add(name)
            result[name] = value(_expression(child))
        elif child.type == "block":
            labels = _labels(child)
            content: Any = body_value(_body(child))
            for label in reversed(labels[1:]):
                content = {_label(label): content}
            kind = node_text(labels[0])
            if kind in attributes:
                attributes.discard(kind)
                result[kind] = []
            result.setdefault(kind, []).append(content)
    return result


def parse_hcl(text: str) -> ParsedFile:
    """Parse one file's text; syntax errors are returned in ``ParsedFile.errors``."""
    data = text.encode("utf-8")
    source = stand_in_percents(data)
    positions = Positions(text, data)
    root = _parse_blanked(source)
    if root is None:  # nothing to blank, or the blanked parse is not the same tree
        root = _PARSER.parse(source).root_node
    too_much = limits_problem(root, positions)
    if too_much is not None:  # the readers below would recurse too deep or fail on it
        return ParsedFile(errors=(too_much,))
    problems = syntax_problems(root, text, positions)
    if problems:
        return ParsedFile(errors=problems)
    token = SOURCE.set(source)  # values are read from the text as written
    try:
        attributes, blocks = _contents(_body(root), positions, top_level=True)
    finally:
        SOURCE.reset(token)
    return ParsedFile(attributes=attributes, blocks=blocks)


def syntax_tree(text: str) -> tuple[Node, tuple[SyntaxProblem, ...]]:
    """The concrete syntax tree of one file's text (its root node; offsets are byte offsets
    into ``text.encode()``) and the file's syntax errors, for tools that rewrite the text
    itself (``ncplan fmt``)."""
    data = text.encode("utf-8")
    root = _PARSER.parse(stand_in_percents(data)).root_node
    positions = Positions(text, data)
    too_much = limits_problem(root, positions)  # the error walker recurses
    if too_much is not None:
        return root, (too_much,)
    return root, syntax_problems(root, text, positions)


def _parse_blanked(source: bytes) -> Node | None:
    """The tree of ``source`` parsed with its long literals blanked (see ``hclblank``:
    the same tree at a small part of the memory), or None when there is nothing to
    blank or a blanked run is not literal text of that tree."""
    blanked, runs = blank_literals(source)
    if not runs:
        return None
    root = _PARSER.parse(blanked).root_node
    if root.has_error:
        return None
    for start, end in runs:
        node = root.descendant_for_byte_range(start, end)
        if node is None or node.type not in _LITERAL_TEXT:
            return None
    return root


# Where a blanked run may stand: literal text (a template's text that is all white space
# has no ``template_literal`` node of its own; hclvalue reads such text from the source).
_LITERAL_TEXT = frozenset({"template_literal", "string_lit", "quoted_template",
                           "heredoc_template"})


def parse_expression(text: str) -> Any:
    """Parse one HCL expression (a ``--var`` list or map value); raises ``ValueError``."""
    parsed = parse_hcl(f"value = {text}\n")
    if parsed.errors:
        raise ValueError(parsed.errors[0].message)
    if len(parsed.attributes) != 1 or parsed.blocks:
        raise ValueError("not a single expression")
    return parsed.attributes[0].value


def value_pos(text: str, pos: Pos, path: tuple[str | int, ...]) -> Pos | None:
    """The place of the value at ``path`` (keys and indexes) inside the attribute at ``pos``.

    Only diagnostics need it, so positions of nested values are not kept: the attribute's
    own text is parsed again when one is asked for.
    """
    fragment = text[pos.start:pos.end]
    data = fragment.encode("utf-8")
    source = stand_in_percents(data)
    root = _parse_blanked(source) or _PARSER.parse(source).root_node
    body = _body(root)
    if body is None or not body.named_children or body.named_children[0].type != "attribute":
        return None
    node: Node | None = _expression(body.named_children[0])
    token = SOURCE.set(source)  # object keys are read from the text as written
    try:
        for step in path:
            node = _element(node, step) if node is not None else None
    finally:
        SOURCE.reset(token)
    if node is None:
        return None
    inner = Positions(fragment, data).of(node)
    return offset_pos(text, pos.start + inner.start, pos.start + inner.end)


def _element(node: Node, step: str | int) -> Node | None:
    """The item ``step`` of a tuple node or the value of key ``step`` of an object node."""
    inner = unwrap(node)
    if inner.type == "tuple" and isinstance(step, int):
        items = [c for c in inner.named_children if c.type == "expression"]
        return items[step] if step < len(items) else None
    if inner.type == "object":
        for element in inner.named_children:
            key, val = element.child_by_field_name("key"), element.child_by_field_name("val")
            if key is not None and val is not None and object_key(key) == step:
                return val
    return None
