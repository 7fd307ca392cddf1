"""Long literal text, blanked for the parser so that its size costs no memory.

tree-sitter-hcl's scanner makes one token of every character of a string or heredoc
that is not white space (a run of white space is one token), and tree-sitter keeps each
token in the tree: about 170 bytes of memory per character of a literal (a 10 MB string
took 1.8 GB). So before the parse, :func:`blank_literals` finds the long runs of plain
literal text in quoted strings and heredocs and hands the parser a copy with those runs
replaced by spaces, byte for byte: every offset, line and column holds, and the tree has
the same shape. The values are then read from the text as written (``hclvalue`` reads
the bytes of each node from the source it is given, not from the tree).

A run is only text the scanner takes as literal characters, one at a time: never a
quote, a newline, ``${``/``%{`` (nor what precedes them), an escape the scanner would
refuse, nor a line that could close a heredoc. The caller checks the result anyway:
each blanked run must lie inside one ``template_literal`` of the blanked parse, which
must have no syntax error; otherwise it parses the text as written.
"""

from __future__ import annotations

import re

#: Shorter runs are left alone: their tokens cost little and most strings are short.
MIN_RUN = 64

_IDENT = re.compile(rb"[A-Za-z0-9_-]+")
_HEREDOC_START = re.compile(rb"<<-?[ \t]*")
_ESCAPE = re.compile(rb'\\(?:["nrt\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})')


class _GiveUp(Exception):
    """Text this lexer does not follow for sure: nothing is blanked."""


def blank_literals(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """``data`` with its long literal runs blanked, and those runs as (start, end)."""
    if len(data) < MIN_RUN:
        return data, []
    try:
        runs = _Lexer(data).runs()
    except _GiveUp:
        return data, []
    if not runs:
        return data, []
    blanked = bytearray(data)
    for start, end in runs:
        blanked[start:end] = b" " * (end - start)
    return bytes(blanked), runs


class _Lexer:
    """Just enough of HCL's lexical structure: code, comments, strings, heredocs and the
    ``${ }``/``%{ }`` inside templates, nested. Plain text is skipped by regular
    expressions, never a character at a time."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.found: list[tuple[int, int]] = []

    def runs(self) -> list[tuple[int, int]]:
        end = self.code(0, inside_template=False)
        if end != len(self.data):
            raise _GiveUp
        return self.found

    def code(self, at: int, *, inside_template: bool) -> int:
        """Code from ``at``; inside a template, up to its closing ``}`` (returned past it)."""
        data, size, depth = self.data, len(self.data), 0
        while True:
            at = _CODE_PLAIN.match(data, at).end()  # type: ignore[union-attr]
            if at >= size:
                break
            char = data[at]
            if char == _HASH or data.startswith(b"//", at):
                newline = data.find(b"\n", at)
                at = size if newline < 0 else newline + 1
            elif data.startswith(b"/*", at):
                close = data.find(b"*/", at + 2)
                if close < 0:
                    raise _GiveUp
                at = close + 2
            elif char == _QUOTE:
                at = self.quoted(at + 1)
            elif data.startswith(b"<<", at):
                at = self.heredoc(at)
            elif char == _OPEN:
                depth += 1
                at += 1
            elif char == _CLOSE:
                if depth == 0:
                    if inside_template:
                        return at + 1
                    raise _GiveUp
                depth -= 1
                at += 1
            else:  # a lone "/" or "<"
                at += 1
        if inside_template:
            raise _GiveUp
        return at

    def dollar_or_percent(self, at: int) -> tuple[int, bool]:
        """At a ``$`` or ``%`` of a template: past the interpolation or directive it opens
        (and True), or past the literal text the scanner takes it as (``$x``, ``$$``, the
        escapes ``$${`` and ``%%{``) and False."""
        data = self.data
        if data.startswith((b"${", b"%{"), at):
            return self.code(at + 2, inside_template=True), True
        if data.startswith((b"$${", b"%%{"), at):
            return at + 3, False
        if data.startswith((b"$$", b"%%"), at):
            return at + 2, False
        return at + 1, False

    def quoted(self, at: int) -> int:
        """A quoted template's body from ``at``; returns past its closing quote."""
        data, size = self.data, len(self.data)
        run = at
        while True:
            at = _QUOTED_PLAIN.match(data, at).end()  # type: ignore[union-attr]
            if at >= size:
                raise _GiveUp
            char = data[at]
            if char == _QUOTE:
                self.keep(run, at)
                return at + 1
            if char == _BACKSLASH:
                escape = _ESCAPE.match(data, at)
                if escape is None:  # the scanner refuses it: a syntax error either way
                    raise _GiveUp
                at = escape.end()
            elif char in _TEMPLATE_SIGNS:
                after, opened = self.dollar_or_percent(at)
                if opened:
                    self.keep(run, at)
                    run = after
                at = after
            else:  # a newline: not in a quoted string
                raise _GiveUp

    def heredoc(self, at: int) -> int:
        """A heredoc from its ``<<``; returns past its closing marker's line."""
        data, size = self.data, len(self.data)
        opener = _HEREDOC_START.match(data, at)
        ident = _IDENT.match(data, opener.end()) if opener else None
        if ident is None:
            return at + 2  # not a heredoc: ``<<`` as code
        marker = ident.group()
        newline = data.find(b"\n", ident.end())
        if newline < 0:
            raise _GiveUp
        at = newline + 1
        while at < size:  # ``at`` is at the start of a line
            line_end = data.find(b"\n", at)
            line_end = size if line_end < 0 else line_end
            if data[at:line_end].strip() == marker:
                return line_end
            at = self.heredoc_line(at)
        raise _GiveUp

    def heredoc_line(self, at: int) -> int:
        """A heredoc's body from the start of a line to the start of the next line that
        begins in its literal text (an interpolation may span lines)."""
        data, size = self.data, len(self.data)
        run = at
        while True:
            at = _HEREDOC_PLAIN.match(data, at).end()  # type: ignore[union-attr]
            if at >= size:
                self.keep(run, at)
                return at
            char = data[at]
            if char == _NEWLINE:
                self.keep(run, at)
                return at + 1
            if char == _RETURN:
                self.keep(run, at)
                at = run = at + 1
                continue
            after, opened = self.dollar_or_percent(at)
            if opened:
                self.keep(run, at)
                run = after
            at = after

    def keep(self, start: int, end: int) -> None:
        if end - start >= MIN_RUN:
            self.found.append((start, end))


_HASH, _QUOTE, _OPEN, _CLOSE = b'#"{}'  # as ints, as indexing bytes gives them
_BACKSLASH, _NEWLINE, _RETURN = b"\\\n\r"
_CODE_PLAIN = re.compile(rb'[^#/"<{}]*')
_QUOTED_PLAIN = re.compile(rb'[^"\\$%\r\n]*')
_HEREDOC_PLAIN = re.compile(rb"[^$%\r\n]*")
_TEMPLATE_SIGNS = frozenset(b"$%")
