"""The HCL of ``consul config write`` (HCL 1) as ncplan's HCL 2 parser reads it.

Consul's CLI decodes an entry file with HCL 1 into a map, then into the entry's struct
with mapstructure and ``decode.HookWeakDecodeFromSlice`` (command/helpers, lib/decode in
hashicorp/consul). HCL 1 reads a block ``Match { HTTP { ... } }`` (allowed anywhere, also
inside a list item) as a list of one object, and the hook unpacks a one-item list into the
struct field it decodes to; a list field keeps the list, and mapstructure's weak decoding
lifts a single object into a list likewise. So a single block means what the attribute
``Match = { HTTP = { ... } }`` means, which HCL 2 reads. This module rewrites the one into
the other (``NAME {`` -> ``NAME = {``) without moving any line, and maps the rewritten
text's offsets back to the file's. The same name given as a block twice in one object
(a list of two in HCL 1) is reported, to be written as a list.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BLOCK_OPEN = re.compile(r"[ \t]*\{")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")
_INSERTED = " ="


@dataclass(frozen=True)
class RepeatedBlock:
    """``name { ... }`` given twice in one object: HCL 1 makes a list of them."""

    name: str
    start: int  # offset of the second block's name in the file's text
    first: int  # offset of the first one


@dataclass(frozen=True)
class Rewritten:
    """The text in attribute form, where ``" ="`` went in, and the repeated blocks."""

    text: str
    insertions: tuple[int, ...]  # offsets in the original text, ascending
    repeated: tuple[RepeatedBlock, ...] = ()

    def original_offset(self, offset: int) -> int:
        """The offset in the file's text of ``offset`` in the rewritten text."""
        before = 0
        for at in self.insertions:
            if at + before * len(_INSERTED) >= offset:
                break
            before += 1
        return max(0, offset - before * len(_INSERTED))

    def rewritten_offset(self, offset: int) -> int:
        """The offset in the rewritten text of ``offset`` in the file's text."""
        return offset + len(_INSERTED) * bisect.bisect_right(self.insertions, offset)


def _skip_string(text: str, at: int) -> int:
    """The offset after the quoted string starting at ``at`` (``${ }`` may nest quotes)."""
    depth = 0
    i = at + 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "$" and text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if depth and char == "}":
            depth -= 1
        elif depth and char == '"':
            i = _skip_string(text, i)
            continue
        elif not depth and char in '"\n':
            return i + 1
        i += 1
    return i


def _skip_comment(text: str, at: int) -> int:
    if text.startswith("/*", at):
        end = text.find("*/", at + 2)
        return len(text) if end < 0 else end + 2
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _skip_heredoc(text: str, at: int) -> int | None:
    match = _HEREDOC.match(text, at)
    if match is None:
        return None
    closing = re.compile(rf"^[ \t]*{re.escape(match.group(1))}[ \t]*$", re.MULTILINE)
    found = closing.search(text, match.end())
    return len(text) if found is None else found.end()


def hcl1_blocks_as_attributes(text: str) -> Rewritten:
    """``text`` with every ``NAME {`` made ``NAME = {`` (see the module's note)."""
    pieces: list[str] = []
    insertions: list[int] = []
    repeated: list[RepeatedBlock] = []
    scopes: list[dict[str, int]] = [{}]  # block names seen per open brace
    copied = 0
    i = 0
    previous = "\n"  # the last significant character
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _skip_string(text, i)
            previous = '"'
            continue
        if char == "#" or text.startswith("//", i) or text.startswith("/*", i):
            i = _skip_comment(text, i)
            continue
        if char == "<" and text.startswith("<<", i):
            end = _skip_heredoc(text, i)
            if end is not None:
                i, previous = end, '"'
                continue
        if char in "{[":
            scopes.append({})
        elif char in "}]" and len(scopes) > 1:
            scopes.pop()
        identifier = _IDENTIFIER.match(text, i) if (char.isalpha() or char == "_") else None
        if identifier is not None:
            end = identifier.end()
            if previous not in "=:" and _BLOCK_OPEN.match(text, end):
                name = identifier.group()
                seen = scopes[-1]
                if name in seen:
                    repeated.append(RepeatedBlock(name, i, seen[name]))
                else:
                    seen[name] = i
                pieces.append(text[copied:end])
                pieces.append(_INSERTED)
                insertions.append(end)
                copied = end
            i = end
            previous = "a"
            continue
        if not char.isspace():
            previous = char
        i += 1
    pieces.append(text[copied:])
    return Rewritten("".join(pieces), tuple(insertions), tuple(repeated))
