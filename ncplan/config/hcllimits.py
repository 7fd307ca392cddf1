"""What ncplan refuses to read even when the grammar takes it, each at its own place.

The readers after the parse (values, syntax errors, the decoder, the views) walk a
value by recursion, and Python converts an integer of more than 4300 digits to ``int``
only on request. So, before any of them runs, one iterative walk of the tree checks:

- nesting: at most :data:`MAX_NESTING` blocks, lists, objects, calls, templates and
  operations inside one another (real jobspecs use about ten);
- integers: at most :data:`MAX_DIGITS` digits (Python's own limit for ``int``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tree_sitter import Node

from ncplan.config.syntax import SyntaxProblem

if TYPE_CHECKING:
    from ncplan.config.hcl import Positions

MAX_NESTING = 100
MAX_DIGITS = sys.get_int_max_str_digits() or 4300
# A safety net for constructs not counted below: about four nodes per level at most.
MAX_NODE_DEPTH = 5 * MAX_NESTING
_NESTING = frozenset({
    "block", "tuple", "object", "function_call", "template_interpolation",
    "template_directive", "for_tuple_expr", "for_object_expr", "binary_operation",
    "unary_operation", "conditional", "heredoc_template", "quoted_template",
})


def limits_problem(root: Node, positions: Positions) -> SyntaxProblem | None:
    """The first place that is nested too deeply or holds too long an integer."""
    cursor = root.walk()
    levels = [0]  # the nesting level of each node on the cursor's path, root first
    while True:
        node = cursor.node
        if node is None:  # pragma: no cover - a cursor always stands on a node
            return None
        level = levels[-1] + (node.type in _NESTING)
        if level > MAX_NESTING or len(levels) > MAX_NODE_DEPTH:
            return _at(node, positions, f"nested too deeply: more than {MAX_NESTING} levels "
                                        "of blocks, lists, objects or expressions")
        if node.type == "numeric_lit":
            digits = node.end_byte - node.start_byte
            text = node.text or b""
            if digits > MAX_DIGITS and not any(c in text for c in b".eE"):
                return _at(node, positions, f"number too long: {digits} digits (at most "
                                            f"{MAX_DIGITS})")
        if cursor.goto_first_child():
            levels.append(level)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None
            levels.pop()


def _at(node: Node, positions: Positions, message: str) -> SyntaxProblem:
    pos = positions.of(node)
    return SyntaxProblem(message, pos.line, pos.column)
