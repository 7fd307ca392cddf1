"""Every syntax error of a parsed file, phrased for a person, each at its own place.

tree-sitter recovers from errors: the tree holds ``ERROR`` nodes (text it could not
place) and zero-width missing nodes (a token it had to assume). Each becomes one
``SyntaxProblem``; the two things the grammar accepts but HCL does not (two items on one
line) are checked here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from ncplan.config.hclvalue import node_text
from ncplan.config.syntax import SyntaxProblem

if TYPE_CHECKING:
    from ncplan.config.hcl import Positions

_WANTED = {
    "block_end": "'}'", "object_end": "'}'", "}": "'}'", "tuple_end": "']'", "]": "']'",
    ")": "')'", "=": "'='", "template_interpolation_end": "'}'",
    "template_directive_end": "'}'", "heredoc_identifier": "the heredoc's closing marker",
}
_ITEMS = frozenset({"attribute", "block"})


def syntax_problems(root: Node, text: str, positions: Positions) -> tuple[SyntaxProblem, ...]:
    """The file's syntax errors in source order; empty when it is well formed."""
    found: list[tuple[int, SyntaxProblem]] = []
    if root.has_error:
        _walk(root, text, positions, found)
    if root.type == "ERROR":  # the file's structure could not be placed: what is unclosed
        found.append((root.start_byte, _error(root, positions)))
        _walk(root, text, positions, found)
        root_children: list[Node] = []
    else:
        root_children = root.named_children
    for child in root_children:
        if child.type == "body":
            _same_line(child, positions, found)
        elif child.type != "comment":  # the grammar takes a lone object as a file
            found.append((child.start_byte, _at(
                child, positions, f"unexpected {_found(child)}; expected an attribute or a "
                                  "block")))
    unique: dict[tuple[int, int], tuple[int, SyntaxProblem]] = {}
    for start, problem in found:  # one problem per place: the first found
        unique.setdefault((problem.line, problem.column), (start, problem))
    return tuple(sorted((p for _, p in unique.values()), key=lambda p: (p.line, p.column)))


def _walk(node: Node, text: str, positions: Positions,
          found: list[tuple[int, SyntaxProblem]]) -> None:
    for child in node.children:
        if child.is_missing:
            found.append((child.start_byte, _missing(child, positions)))
        elif child.type == "ERROR":
            found.append((child.start_byte, _error(child, positions)))
        elif child.has_error:
            _walk(child, text, positions, found)


def _at(node: Node, positions: Positions, message: str) -> SyntaxProblem:
    pos = positions.of(node)
    return SyntaxProblem(message, pos.line, pos.column)


def _found(node: Node | None) -> str:
    """How the token at ``node`` is named: ``'}'``, ``'foo'`` or the end of the file."""
    if node is None:
        return "end of file"
    while node.child_count and node.type != "string_lit":
        first = node.child(0)
        if first is None:
            break
        node = first
    text = (node.text or b"").decode("utf-8", "replace").strip()
    if not text:
        return "end of file"
    return "'" + text.splitlines()[0][:40] + "'"


def _next_leaf(node: Node) -> Node | None:
    current: Node | None = node
    while current is not None:
        sibling = current.next_sibling
        if sibling is not None and sibling.end_byte > sibling.start_byte:
            return sibling
        current = current.parent if sibling is None else sibling
        if current is not None and sibling is None and current.parent is None:
            return None
    return None


def _missing(node: Node, positions: Positions) -> SyntaxProblem:
    kind = node.type
    parent = node.parent
    if kind in ("quoted_template_end", '"') and parent is not None:
        return _at(parent, positions, "unterminated string: a '\"' is missing")
    wanted = _WANTED.get(kind, "a value")
    following = _next_leaf(node)
    if following is None or following.start_byte < node.start_byte:
        found = "end of file"
    else:
        found = _found(following)
    if found == "end of file" and parent is not None and kind in _CLOSER_KINDS:
        return _left_open(parent, positions)
    return _at(node, positions, f"unexpected {found}; expected {wanted}")


_CLOSER_KINDS = frozenset({"block_end", "object_end", "}", "tuple_end", "]"})


def _left_open(parent: Node, positions: Positions) -> SyntaxProblem:
    """The file ends inside ``parent``: point at its opening brace (the end of the file
    is past its last line, and shows nothing), naming a block by its type and labels."""
    if parent.type in ("block_end", "object_end", "tuple_end") and parent.parent is not None:
        parent = parent.parent
    opener = next((c for c in parent.children if c.type in _OPENERS), parent)
    brace = (opener.text or b"{").decode()
    closer = _CLOSERS.get(brace, "}")
    if parent.type == "block":
        head = " ".join(node_text(c) for c in parent.children
                        if c.type in ("identifier", "string_lit"))
        return _at(opener, positions, f"unclosed block {head}: the file ends before its "
                                      f"'{closer}'")
    return _at(opener, positions, f"unclosed '{brace}': the file ends before its '{closer}'")


def _error(node: Node, positions: Positions) -> SyntaxProblem:
    unclosed = _unclosed(node)
    if unclosed is not None:
        if unclosed.type == "quoted_template_start":
            return _at(unclosed, positions, "unterminated string: a '\"' is missing")
        opener = (unclosed.text or b"").decode()
        return _at(unclosed, positions,
                   f"unclosed '{opener}': a '{_CLOSERS[opener]}' is missing")
    before = node.prev_sibling
    if before is not None and before.type == "=":
        return _at(node, positions, f"unexpected {_found(node)}; expected a value")
    last = node.child(node.child_count - 1) if node.child_count else None
    if last is not None and last.type == "=":
        following = _next_leaf(node)
        if following is None:
            return _at(node, positions, "unexpected end of file; expected a value")
        return _at(following, positions, f"unexpected {_found(following)}; expected a value")
    return _at(node, positions, f"unexpected {_found(node)}")


_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_OPENERS = {"block_start": "{", "object_start": "{", "tuple_start": "[", "(": "(",
            "{": "{", "[": "["}
_CLOSING = {"block_end": "}", "object_end": "}", "tuple_end": "]", ")": ")", "}": "}",
            "]": "]"}


def _unclosed(node: Node) -> Node | None:
    """The innermost string, ``{``, ``[`` or ``(`` among ``node``'s children left open."""
    stack: list[Node] = []
    strings: list[Node] = []
    skipped: Node | None = None  # an opener a later closer of an outer one went past
    for child in node.children:
        if child.type == "quoted_template_start":
            strings.append(child)
        elif child.type == "quoted_template_end" and strings:
            strings.pop()
        elif child.type in _OPENERS and child.end_byte > child.start_byte:
            stack.append(child)
        elif child.type in _CLOSING:
            closer = _CLOSING[child.type]
            match = [i for i, o in enumerate(stack)
                     if _CLOSERS[_OPENERS[o.type]] == closer]
            if match:
                if match[-1] < len(stack) - 1 and skipped is None:
                    skipped = stack[-1]
                del stack[match[-1]:]
    if strings:
        return strings[-1]
    return skipped or (stack[-1] if stack else None)


def _same_line(body: Node, positions: Positions,
               found: list[tuple[int, SyntaxProblem]]) -> None:
    """Two attributes or blocks on one line: HCL needs a new line between them."""
    previous: Node | None = None
    for child in body.named_children:
        if child.type not in _ITEMS:
            continue
        if previous is not None and child.start_point[0] == previous.end_point[0]:
            found.append((child.start_byte, _at(
                child, positions, f"unexpected {_found(child)}; expected a new line")))
        previous = child
        if child.type == "block":
            for inner in child.named_children:
                if inner.type == "body":
                    _same_line(inner, positions, found)
