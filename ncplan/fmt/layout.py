"""hclwrite's canonical layout: the spaces before each token, decided line by line.

The rules of ``terraform fmt`` and ``nomad fmt`` (HashiCorp's hclwrite), written here
from their description; only ``Token.spaces`` changes, never a token:

1. Lines. The tokens are cut into lines at each newline (a ``#``/``//`` comment ends its
   line too). A line has up to three cells: *lead*; *assign*, from the first ``=`` after
   the line's first token to the end, when that part opens as many brackets as it closes;
   and *comment*, a comment ending a line that has something before it.
2. Indent. Two spaces per open level. A line that opens more brackets than it closes
   (``{ [ ( ${ %{`` open, ``} ] ) }`` close; a heredoc's body is not counted) is indented
   at the current level and pushes one level; a line that closes more pops the levels it
   closes and is indented at the level left.
3. Spaces within a cell (``needs_space``): one space between most tokens; none around
   ``.``, before ``,`` and ``...``, after ``!``, after an opening or before a closing
   bracket, between a function's name and its ``(``, between a name, number or closing
   bracket and a following ``[``, after a unary ``-``, or inside template text; always one
   inside ``{ }`` (but ``{}``), and one after a ``for`` loop's ``in``. The assign cell
   starts with one space.
4. Alignment. On consecutive lines with an assign cell, the ``=`` signs line up one space
   after the longest lead; then on consecutive lines with a comment cell, the comments
   line up one space after the longest lead-and-assign. Widths count grapheme clusters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import regex

from ncplan.fmt.tokens import Kind, Token

_OPENERS = frozenset({Kind.O_BRACE, Kind.O_BRACK, Kind.O_PAREN, Kind.TEMPLATE_INTERP,
                      Kind.TEMPLATE_CONTROL})
_CLOSERS = frozenset({Kind.C_BRACE, Kind.C_BRACK, Kind.C_PAREN, Kind.TEMPLATE_SEQ_END})
_TEMPLATE_TEXT_AFTER = frozenset({Kind.QUOTED_LIT, Kind.STRING_LIT, Kind.O_QUOTE,
                                  Kind.O_HEREDOC})
_TEMPLATE_TEXT_BEFORE = frozenset({Kind.QUOTED_LIT, Kind.STRING_LIT, Kind.C_QUOTE,
                                   Kind.C_HEREDOC})
# After these, a ``-`` is a negation (no space after it), not a subtraction.
_BEFORE_NEGATION = frozenset({
    Kind.NIL, Kind.O_PAREN, Kind.O_BRACE, Kind.O_BRACK, Kind.EQUAL, Kind.COLON, Kind.COMMA,
    Kind.QUESTION, Kind.PLUS, Kind.STAR, Kind.SLASH, Kind.PERCENT, Kind.MINUS,
    Kind.EQUAL_OP, Kind.NOT_EQUAL, Kind.GREATER, Kind.GREATER_EQ, Kind.LESS, Kind.LESS_EQ,
    Kind.AND, Kind.OR, Kind.BANG})
_NIL = Token(Kind.NIL, b"")
_GRAPHEME = regex.compile(r"\X")


@dataclass
class Line:
    """One line's cells (see the module's docstring)."""

    lead: list[Token]
    assign: list[Token] = field(default_factory=list)
    comment: list[Token] = field(default_factory=list)


def lay_out(tokens: list[Token]) -> None:
    """Set the spaces before every token (but the final ``EOF``) to the canonical ones."""
    lines = _lines(tokens)
    _indent(lines)
    for line in lines:
        _space(line.lead)
        if line.assign:
            line.assign[0].spaces = 1
            _space(line.assign)
    _align(lines, lambda line: line.assign, lambda line: _columns(line.lead))
    _align(lines, lambda line: line.comment,
           lambda line: _columns(line.lead) + _columns(line.assign))


def bracket_change(token: Token) -> int:
    if token.kind in _OPENERS:
        return 1
    if token.kind in _CLOSERS:
        return -1
    return 0


def _ends_line(token: Token) -> bool:
    return token.kind is Kind.NEWLINE or (token.kind is Kind.COMMENT
                                          and token.text.endswith(b"\n"))


def _lines(tokens: list[Token]) -> list[Line]:
    lines: list[Line] = []
    current: list[Token] = []
    for token in tokens:
        if token.kind is Kind.EOF:
            break
        current.append(token)
        if _ends_line(token):
            lines.append(Line(current))
            current = []
    lines.append(Line(current))
    for line in lines:
        lead = line.lead
        if len(lead) > 1 and lead[-1].kind is Kind.COMMENT:
            line.comment, lead = lead[-1:], lead[:-1]
        for i, token in enumerate(lead):
            if i > 0 and token.kind is Kind.EQUAL:
                if sum(bracket_change(t) for t in lead[i:]) == 0:
                    line.assign, lead = lead[i:], lead[:i]
                break
        line.lead = lead
    return lines


def _indent(lines: list[Line]) -> None:
    levels: list[int] = []  # the brackets each open level stands for
    for line in lines:
        if not line.lead:
            continue
        first = line.lead[0]
        if first.kind is Kind.NEWLINE:
            first.spaces = 0
            continue
        net = 0
        for token in line.lead:
            net += bracket_change(token)
            if token.kind is Kind.O_HEREDOC:
                break
        net += sum(bracket_change(token) for token in line.assign)
        if net > 0:
            first.spaces = 2 * len(levels)
            levels.append(net)
            continue
        closed = -net
        while closed > 0 and levels:
            if closed >= levels[-1]:
                closed -= levels.pop()
            else:
                levels[-1] -= closed
                closed = 0
        first.spaces = 2 * len(levels)


def _space(cell: list[Token]) -> None:
    for i, token in enumerate(cell[:-1]):
        before = cell[i - 1] if i > 0 else _NIL
        after = cell[i + 1]
        after.spaces = 1 if needs_space(token, before, after) else 0


def needs_space(subject: Token, before: Token, after: Token) -> bool:
    """Whether ``subject`` is followed by a space, between ``before`` and ``after``."""
    kind, next_kind = subject.kind, after.kind
    if next_kind in (Kind.NEWLINE, Kind.NIL):
        return False
    if kind is Kind.IDENT and next_kind is Kind.O_PAREN:  # a function call
        return False
    if Kind.DOT in (kind, next_kind):
        return False
    if next_kind in (Kind.COMMA, Kind.ELLIPSIS):
        return False
    if kind is Kind.COMMA:
        return True
    if kind in _TEMPLATE_TEXT_AFTER or next_kind in _TEMPLATE_TEXT_BEFORE:
        return False
    if kind is Kind.IDENT and subject.text == b"in" and before.kind is Kind.IDENT:
        return True  # for x in [...]: the keyword, not a name being indexed
    if next_kind is Kind.O_BRACK and (kind in (Kind.IDENT, Kind.NUMBER)
                                      or bracket_change(subject) < 0):
        return False
    if kind is Kind.BANG:
        return False
    if kind is Kind.MINUS:
        return before.kind not in _BEFORE_NEGATION
    if kind is Kind.O_BRACE or next_kind is Kind.C_BRACE:
        return not (kind is Kind.O_BRACE and next_kind is Kind.C_BRACE)
    if kind in (Kind.TEMPLATE_INTERP, Kind.TEMPLATE_CONTROL) and next_kind is Kind.O_BRACE:
        return True
    if kind is Kind.C_BRACE and next_kind is Kind.TEMPLATE_SEQ_END:
        return True
    if kind is Kind.TEMPLATE_SEQ_END and next_kind in (Kind.TEMPLATE_INTERP,
                                                       Kind.TEMPLATE_CONTROL):
        return False
    # none after an opening bracket, none before a closing one, else one space
    return bracket_change(subject) <= 0 and bracket_change(after) >= 0


def _columns(cell: list[Token]) -> int:
    total = 0
    for token in cell:
        total += token.spaces
        text = token.text
        if text.isascii():
            total += len(text)
        else:
            total += len(_GRAPHEME.findall(text.decode("utf-8", "replace")))
    return total


def _align(lines: list[Line], cell: Callable[[Line], list[Token]],
           width: Callable[[Line], int]) -> None:
    """Line up ``cell`` on each run of consecutive lines that have one."""
    run: list[Line] = []
    for line in [*lines, Line([])]:
        if cell(line):
            run.append(line)
            continue
        if run:
            widest = max(width(member) for member in run)
            for member in run:
                cell(member)[0].spaces = widest - width(member) + 1
            run = []
