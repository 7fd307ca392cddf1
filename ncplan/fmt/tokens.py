"""The tokens of an HCL file, as HCL's own scanner (hclsyntax) cuts them, read off the
concrete syntax tree that ``ncplan.config.hcl`` parses.

The tree says where each string, heredoc, interpolation (``${ }``) and directive
(``%{ }``) begins and ends; template text between them is one literal token, kept as
written. Between those, in expression context, the text is cut into HCL's expression
tokens (names, numbers, operators, brackets, comments, newlines) by the patterns below.
A ``#`` or ``//`` comment takes its line's newline, as in HCL; spaces and tabs between
tokens are not tokens (``Token.spaces`` counts them).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from tree_sitter import Node


class Kind(enum.Enum):
    """The token types the formatting rules tell apart (hclsyntax's names)."""

    NEWLINE = "newline"
    COMMENT = "comment"
    IDENT = "ident"
    NUMBER = "number"
    O_BRACE = "{"
    C_BRACE = "}"
    O_BRACK = "["
    C_BRACK = "]"
    O_PAREN = "("
    C_PAREN = ")"
    DOT = "."
    COMMA = ","
    ELLIPSIS = "..."
    EQUAL = "="
    COLON = ":"
    QUESTION = "?"
    PLUS = "+"
    MINUS = "-"
    STAR = "*"
    SLASH = "/"
    PERCENT = "%"
    EQUAL_OP = "=="
    NOT_EQUAL = "!="
    LESS = "<"
    LESS_EQ = "<="
    GREATER = ">"
    GREATER_EQ = ">="
    AND = "&&"
    OR = "||"
    BANG = "!"
    FAT_ARROW = "=>"
    OTHER = "other"  # a character HCL has no use for outside templates
    O_QUOTE = 'open "'
    C_QUOTE = 'close "'
    QUOTED_LIT = "quoted literal"
    O_HEREDOC = "<<MARKER"
    C_HEREDOC = "MARKER"
    STRING_LIT = "heredoc literal"
    TEMPLATE_INTERP = "${"
    TEMPLATE_CONTROL = "%{"
    TEMPLATE_SEQ_END = "template }"
    NIL = "nil"  # before the first and after the last token of a cell
    EOF = "end of file"


@dataclass
class Token:
    """One token: its kind, its bytes as written, and the spaces before it."""

    kind: Kind
    text: bytes
    spaces: int = 0


# Expression context, longest first where one token starts another.
_EXPRESSION = re.compile(r"""
    (?P<spaces>[ \t]+)
  | (?P<newline>\r?\n)
  | (?P<comment>(?:\#|//)[^\n]*\n?|/\*.*?\*/)
  | (?P<number>[0-9](?:(?:[0-9.]|[eE][+-]?[0-9])*(?:[0-9]|[eE][+-]?[0-9]))?)
  | (?P<ident>(?:[^\W\d]|_)[\w-]*)
  | (?P<symbol>\.\.\.|==|!=|<=|>=|&&|\|\||=>|.)
""", re.VERBOSE | re.DOTALL)
_SYMBOLS = {kind.value.encode(): kind for kind in (
    Kind.O_BRACE, Kind.C_BRACE, Kind.O_BRACK, Kind.C_BRACK, Kind.O_PAREN, Kind.C_PAREN,
    Kind.DOT, Kind.COMMA, Kind.ELLIPSIS, Kind.EQUAL, Kind.COLON, Kind.QUESTION, Kind.PLUS,
    Kind.MINUS, Kind.STAR, Kind.SLASH, Kind.PERCENT, Kind.EQUAL_OP, Kind.NOT_EQUAL,
    Kind.LESS, Kind.LESS_EQ, Kind.GREATER, Kind.GREATER_EQ, Kind.AND, Kind.OR, Kind.BANG,
    Kind.FAT_ARROW)}

_TEMPLATE_START = {"template_interpolation_start": Kind.TEMPLATE_INTERP,
                   "template_directive_start": Kind.TEMPLATE_CONTROL}
_TEMPLATE_END = frozenset({"template_interpolation_end", "template_directive_end"})


class _Cutter:
    """Walks the tree once, cutting the text up to each template boundary it passes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.cursor = 0
        self.tokens: list[Token] = []
        # What the text at the cursor is: expression context (None) or the literal kind
        # of the template it is in; a stack, as templates nest in interpolations.
        self.modes: list[Kind | None] = [None]

    def emit(self, kind: Kind, end: int) -> None:
        self.tokens.append(Token(kind, self.data[self.cursor:end]))
        self.cursor = end

    def flush(self, end: int) -> None:
        """Cut the text from the cursor to ``end`` in the current mode."""
        literal = self.modes[-1]
        if literal is not None:
            if end > self.cursor:
                self.emit(literal, end)
            return
        # token boundaries are character boundaries: names may be any letters (UTF-8)
        for match in _EXPRESSION.finditer(self.data[self.cursor:end].decode("utf-8")):
            group = match.lastgroup
            if group != "spaces":
                text = match.group().encode("utf-8")
                self.tokens.append(Token(_kind(group, text), text))
        self.cursor = end

    def walk(self, node: Node) -> None:
        kind = node.type
        if kind == "heredoc_template":
            self.heredoc(node)
        elif kind == "quoted_template_start":
            self.flush(node.start_byte)
            self.emit(Kind.O_QUOTE, node.end_byte)
            self.modes.append(Kind.QUOTED_LIT)
        elif kind == "quoted_template_end":
            self.flush(node.start_byte)
            self.emit(Kind.C_QUOTE, node.end_byte)
            self.modes.pop()
        elif kind in _TEMPLATE_START:
            self.flush(node.start_byte)
            end = node.end_byte
            if self.data[end:end + 1] == b"~":  # ${~ and %{~ are one token
                end += 1
            self.emit(_TEMPLATE_START[kind], end)
            self.modes.append(None)
        elif kind in _TEMPLATE_END:
            start = node.start_byte
            if self.data[start - 1:start] == b"~":  # so are ~} and }
                start -= 1
            self.flush(start)
            self.emit(Kind.TEMPLATE_SEQ_END, node.end_byte)
            self.modes.pop()
        else:
            for child in node.children:
                self.walk(child)

    def heredoc(self, node: Node) -> None:
        """``<<EOT`` and its newline, the lines as literals, then the closing line."""
        children = node.children
        opener, closer = children[1], children[-1]
        self.flush(node.start_byte)
        self.emit(Kind.O_HEREDOC, _line_end(self.data, opener.end_byte, with_newline=True))
        self.modes.append(Kind.STRING_LIT)
        for child in children[2:-1]:
            self.walk(child)
        line_start = self.data.rfind(b"\n", 0, closer.start_byte) + 1
        self.flush(max(line_start, self.cursor))
        self.emit(Kind.C_HEREDOC, _line_end(self.data, closer.end_byte, with_newline=False))
        self.modes.pop()


def _line_end(data: bytes, start: int, *, with_newline: bool) -> int:
    """The end of the line at ``start``: after its newline, or before it (and a ``\\r``)."""
    newline = data.find(b"\n", start)
    if newline < 0:
        return len(data)
    if with_newline:
        return newline + 1
    return newline - 1 if data[newline - 1:newline] == b"\r" else newline


def _kind(group: str | None, text: bytes) -> Kind:
    if group == "newline":
        return Kind.NEWLINE
    if group == "comment":
        return Kind.COMMENT
    if group == "number":
        return Kind.NUMBER
    if group == "ident":
        return Kind.IDENT
    return _SYMBOLS.get(text, Kind.OTHER)


def cut(data: bytes, root: Node) -> list[Token]:
    """Every token of ``data`` (whose tree is ``root``), then an ``EOF`` token whose
    ``spaces`` are the blanks after the last token (hclwrite keeps them as spaces)."""
    cutter = _Cutter(data)
    cutter.walk(root)
    cutter.flush(len(data))
    tokens = cutter.tokens
    blanks = len(data) - len(data.rstrip(b" \t"))
    if tokens and tokens[-1].text[-1:] in (b" ", b"\t"):  # a comment that ends the file
        blanks = 0
    tokens.append(Token(Kind.EOF, b"", blanks))
    return tokens
