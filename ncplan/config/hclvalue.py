"""HCL expression nodes (tree-sitter) -> the values ncplan reads.

The reading is python-hcl2's (``strip_string_quotes``, heredocs as plain strings), which
ncplan used before and which ``tests/unit/config/test_config_parser_differential.py``
holds this module to:

- literals become Python values (``-3`` an int, ``1.5`` a float; a number with an exponent
  stays the expression ``"${1.5e3}"``); quoted strings have their escapes resolved except
  inside ``${...}``, and ``$${``/``%%{`` are kept as written (the expander reads them);
  heredocs are their text as written, ``<<-`` heredocs dedented;
- tuples and objects become lists and dicts (an expression key becomes ``"${key}"``);
- every other expression becomes ``"${...}"`` with its text normalised the way
  python-hcl2 writes it (``var.x``, ``list(string)``, ``a + b``, ``c ? a : b``).
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from tree_sitter import Node

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_WRAPPERS = frozenset({"expression", "literal_value", "collection_value", "template_expr",
                       "operation"})
_BUILDERS = frozenset({"variable_expr", "get_attr", "new_index", "legacy_index", "index",
                       "splat", "attr_splat", "full_splat"})


# tree-sitter-hcl reads an odd run of 3 or more ``%`` before ``{`` as ``%%`` pairs and a
# directive, where HCL (and python-hcl2) reads literal ``%`` and a final ``%%{`` escape.
# ``hcl.parse_hcl`` hands it those extra ``%`` as PERCENT_STAND_IN (same length, so every
# offset holds), and the text read back turns them into ``%`` again.
PERCENT_STAND_IN = "\x01"
_PERCENT_RUN = re.compile(rb"%+(?=%%\{)")


def stand_in_percents(data: bytes) -> bytes:
    """``data`` with the ``%`` before a ``%%{`` replaced by ``PERCENT_STAND_IN``."""
    if b"%%%{" not in data or PERCENT_STAND_IN.encode() in data:
        return data
    return _PERCENT_RUN.sub(lambda m: PERCENT_STAND_IN.encode() * len(m.group()), data)


def _decode(data: bytes) -> str:
    text = data.decode("utf-8")
    return text.replace(PERCENT_STAND_IN, "%") if PERCENT_STAND_IN in text else text


#: The text a tree was parsed from, as written, when the parser was given another copy
#: (``hclblank``: long literals blanked); nodes' bytes are read from it.
SOURCE: ContextVar[bytes | None] = ContextVar("hcl_source", default=None)


def node_bytes(node: Node) -> bytes:
    """The bytes of ``node`` as written in the file."""
    source = SOURCE.get()
    if source is None:
        return node.text or b""
    return source[node.start_byte:node.end_byte]


def node_text(node: Node) -> str:
    return _decode(node_bytes(node))


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    if len(code) in (5, 9):
        point = int(code[1:], 16)
        if point <= 0x10FFFF and not 0xD800 <= point < 0xE000:
            return chr(point)
    return match.group(0)


def unescape_literal(text: str) -> str:
    """HCL's escapes in quoted-string text; an unknown escape stays as written."""
    return _ESCAPE.sub(_unescape_one, text) if "\\" in text else text


def _dollar(text: str) -> str:
    return text if text.startswith("${") and text.endswith("}") else "${" + text + "}"


def unwrap(node: Node) -> Node:
    """The node that carries the meaning: through ``expression`` and friends."""
    while node.type in _WRAPPERS and node.child_count == 1:
        child = node.child(0)
        if child is None or not child.is_named:
            break
        node = child
    return node


def value(node: Node) -> Any:
    """The value of an expression node, read as python-hcl2 reads it."""
    node = unwrap(node)
    kind = node.type
    if kind == "string_lit":
        children = node.children
        if len(children) == 2 or (len(children) == 3 and children[1].type == "template_literal"):
            return _literal(node_bytes(node)[1:-1], as_value=True)  # "" or "text"
    if kind == "numeric_lit":
        return _number(node_text(node), dollar=False)
    if kind == "bool_lit":
        return node_text(node) == "true"
    if kind == "null_lit":
        return None
    if kind == "variable_expr":
        return node_text(node)  # a bare name (``type = string``) is its text
    if kind in ("string_lit", "quoted_template"):
        return "".join(_template_parts(node, as_value=True))
    if kind == "heredoc_template":
        return heredoc(node)
    if kind == "tuple":
        return [value(item) for item in node.named_children if item.type == "expression"]
    if kind == "object":
        return _object(node)
    if kind == "unary_operation":
        negated = _negated_number(node)
        if negated is not None:
            return negated
    return _dollar(fmt(node))


_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _number(text: str, *, dollar: bool) -> Any:
    """A decimal literal as a number; one with an exponent, or one HCL does not read as
    a number (``0x10``: tree-sitter-hcl takes it), stays an expression."""
    if "e" in text.lower() or not _DECIMAL.fullmatch(text):
        return text if dollar else "${" + text + "}"
    if "." in text:
        return float(text)
    return int(text)


def _negated_number(node: Node) -> int | float | None:
    operator, operand = node.children[0], unwrap(node.children[1])
    if operator.type != "-" or operand.type != "numeric_lit":
        return None
    number = _number(node_text(operand), dollar=False)
    return -number if isinstance(number, (int, float)) else None


def _object(node: Node) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for element in node.named_children:
        if element.type != "object_elem":
            continue
        key_node = element.child_by_field_name("key")
        val_node = element.child_by_field_name("val")
        if key_node is None or val_node is None:
            continue
        result[object_key(key_node)] = value(val_node)
    return result


def object_key(node: Node) -> str:
    """An object key as python-hcl2 writes it: a name, a string's value or ``${expr}``."""
    inner = unwrap(node)
    if inner.type == "variable_expr" and node.named_child_count == 1:
        return node_text(inner)
    if inner.type in ("string_lit", "quoted_template", "numeric_lit"):
        key = value(inner)
        return key if isinstance(key, str) else str(key)
    if inner.type in ("bool_lit", "null_lit"):
        return node_text(inner)
    return _dollar(fmt(node))


def _template_parts(node: Node, *, as_value: bool) -> list[str]:
    """A quoted template's parts: literal text (escapes resolved when ``as_value``, else
    as written) and ``${...}`` with its expression normalised; directives as written.

    Literal text is taken from the source between the other parts: tree-sitter leaves the
    white space around an interpolation out of its literal nodes.
    """
    children = node.children
    if len(children) == 2 or (len(children) == 3 and children[1].type == "template_literal"):
        # "" or "text" (most strings): the literal between the quotes
        return [_literal(node_bytes(node)[1:-1], as_value)]
    data = node_bytes(node)
    base = node.start_byte
    position = children[0].end_byte - base if children else 0
    end = children[-1].start_byte - base if len(children) > 1 else len(data)
    parts: list[str] = []
    for child in children[1:-1]:
        if child.type == "template_literal":
            continue
        parts.append(_literal(data[position:child.start_byte - base], as_value))
        if child.type == "template_interpolation":
            parts.append("${" + _interpolation(child) + "}")
        else:
            parts.append(node_text(child))  # a template directive: kept as written
        position = child.end_byte - base
    parts.append(_literal(data[position:end], as_value))
    return parts


def _literal(data: bytes, as_value: bool) -> str:
    text = _decode(data)
    return unescape_literal(text) if as_value else text


def _interpolation(node: Node) -> str:
    inner = [child for child in node.named_children if child.type == "expression"]
    return fmt(inner[0]) if inner else ""


def heredoc(node: Node) -> str:
    """A heredoc's text as written: without the closing marker's line; ``<<-`` dedented."""
    start = node.child(0)
    marker = node.child(1)
    closing = node.child(node.child_count - 1)
    if start is None or marker is None or closing is None:
        return ""
    offset = node.start_byte
    body = node_bytes(node)[marker.end_byte - offset:closing.start_byte - offset]
    text = _decode(body)
    text = re.sub(r"\A[^\n]*\n", "", text, count=1)  # the rest of the marker's line
    text = re.sub(r"\r?\n\Z", "", re.sub(r"[ \t]*\Z", "", text))
    if node_text(start).strip() != "<<-":
        return text
    lines = text.split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] for line in lines)


def fmt(node: Node) -> str:
    """An expression's text the way python-hcl2 writes it inside ``${...}``."""
    node = unwrap(node)
    kind = node.type
    if kind == "expression":
        return _sequence(node.children)
    if kind == "numeric_lit":
        return str(_number(node_text(node), dollar=True))
    if kind in ("string_lit", "quoted_template"):
        return '"' + "".join(_template_parts(node, as_value=False)) + '"'
    if kind == "heredoc_template":
        return heredoc(node)  # python-hcl2 writes a heredoc inside an expression unquoted
    if kind == "tuple":
        return "[" + ", ".join(fmt(i) for i in node.named_children if i.type == "expression") + "]"
    if kind == "object":
        return _fmt_object(node)
    if kind == "function_call":
        return _fmt_call(node)
    if kind == "binary_operation":
        children = node.children
        at = next(i for i, c in enumerate(children) if not c.is_named and c.type not in "()")
        operator = node_text(children[at])
        return f"{_sequence(children[:at])} {operator} {_sequence(children[at + 1:])}"
    if kind == "unary_operation":
        return node_text(node.children[0]) + _sequence(node.children[1:])
    if kind == "conditional":
        parts = [c for c in node.children if c.type not in ("?", ":")]
        return f"{fmt(parts[0])} ? {fmt(parts[1])} : {fmt(parts[2])}"
    if kind in _BUILDERS or kind in ("identifier", "bool_lit", "null_lit"):
        return "".join(node_text(node).split())
    return " ".join(node_text(node).split())  # for expressions and the rest: as written


def _sequence(nodes: list[Node]) -> str:
    """Inlined expression parts: ``(``, a value, then ``.a``, ``[0]``, ``.*``, ``)``."""
    parts: list[str] = []
    for child in nodes:
        if child.type in ("(", ")"):
            parts.append(child.type)
        elif child.type == "index" and child.named_children[0].type == "new_index":
            inner = child.named_children[0].named_children
            parts.append("[" + (fmt(inner[0]) if inner else "") + "]")
        else:
            parts.append(fmt(child))
    return "".join(parts)


def _fmt_object(node: Node) -> str:
    elements: list[str] = []
    for element in node.named_children:
        key = element.child_by_field_name("key")
        val = element.child_by_field_name("val")
        if element.type == "object_elem" and key is not None and val is not None:
            elements.append(f"{_fmt_key(key)} = {fmt(val)}")
    return "{" + ", ".join(elements) + "}"


def _fmt_key(node: Node) -> str:
    inner = unwrap(node)
    if inner.type == "variable_expr" and node.named_child_count == 1:
        return node_text(inner)
    if inner.type in ("string_lit", "quoted_template"):
        return str(value(inner))
    return fmt(node)


def _fmt_call(node: Node) -> str:
    name = node_text(node.children[0])
    arguments = [c for c in node.named_children if c.type == "function_arguments"]
    text = ""
    if arguments:
        items = arguments[0].named_children
        text = ", ".join(fmt(i) for i in items if i.type == "expression")
        if any(i.type == "ellipsis" for i in items):
            text += " ..."
    return f"{name}({text})"
