"""The reference reader: python-hcl2 (and lark) HCL text -> ``ParsedFile``.

This was ncplan's parser before tree-sitter (issue 12); it stays, as a test helper only,
so the differential tests can hold ``ncplan.config.hcl`` to python-hcl2's reading of the
language. python-hcl2 stops at the first syntax error, so ``errors`` holds at most one.
"""

from __future__ import annotations

from typing import Any

import hcl2
from hcl2.rules.abstract import LarkRule, LarkToken
from hcl2.rules.base import AttributeRule, BlockRule
from hcl2.rules.strings import InterpolationRule, StringRule
from hcl2.utils import SerializationOptions, process_escape_sequences
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from ncplan.config.syntax import ParsedFile, Pos, RawAttribute, RawBlock, SyntaxProblem

_OPTIONS = SerializationOptions(
    with_comments=False,
    strip_string_quotes=True,
    explicit_blocks=False,
    preserve_heredocs=False,
)

# Blocks whose python-hcl2 body view is kept (raw jobs are passed through, not decoded).
_KEEP_BODY = frozenset({"job"})

_VALUE_TOKENS = frozenset({
    "DBLQUOTE", "FLOAT_LITERAL", "INT_LITERAL", "HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM",
    "TEMPLATE_STRING", "LSQB", "LBRACE", "LPAR", "MINUS", "NOT",
})
_STRING_TOKENS = frozenset({"STRING_CHARS", "INTERP_START", "DIRECTIVE_START",
                            "ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"})
_TOKEN_NAMES = {
    "RBRACE": "'}'", "RSQB": "']'", "RPAR": "')'", "LBRACE": "'{'", "EQ": "'='",
    "COMMA": "','", "COLON": "':'", "$END": "the end of the file", "NL_OR_COMMENT": "a new line",
    "NAME": "a name", "DBLQUOTE": "'\"'",
}


_ESCAPED_MARKERS = frozenset({"ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"})


def _decode_escaped_markers(node: Any) -> None:
    """Resolve backslash escapes inside ``$${...}`` and ``%%{...}`` of quoted strings.

    python-hcl2 takes such a marker up to its ``}`` as one token and leaves ``\\"`` in it
    as written; HCL reads it as literal text, escapes resolved (``"$${f(\\"x\\")}"`` is
    ``$${f("x")}`` before the ``$${`` itself is read). Strings inside a ``${...}`` are
    expression source and stay as written; heredocs resolve no escapes.
    """
    if isinstance(node, InterpolationRule):
        return
    if isinstance(node, StringRule):
        for part in node.string_parts:
            token = part.content
            if isinstance(token, LarkToken) and token.lark_name() in _ESCAPED_MARKERS:
                token.set_value(process_escape_sequences(str(token.value)))
        return
    if isinstance(node, LarkRule):
        for child in node.children:
            _decode_escaped_markers(child)


def _pos(meta: Any) -> Pos:
    return Pos(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos,
               meta.end_pos)


def _attribute(rule: AttributeRule) -> RawAttribute:
    name = str(rule.identifier.serialize(_OPTIONS))
    value = rule.expression.serialize(_OPTIONS)
    return RawAttribute(name=name, value=value, pos=_pos(rule._meta))


def _contents(body: Any, top_level: bool
              ) -> tuple[tuple[RawAttribute, ...], tuple[RawBlock, ...]]:
    """The attributes and blocks of a python-hcl2 body, in source order."""
    attributes: list[RawAttribute] = []
    blocks: list[RawBlock] = []
    for child in body.children:
        if isinstance(child, AttributeRule):
            attributes.append(_attribute(child))
        elif isinstance(child, BlockRule):
            blocks.append(_block(child, top_level=top_level))
    return tuple(attributes), tuple(blocks)


def _block(rule: BlockRule, top_level: bool) -> RawBlock:
    labels = [str(label.serialize(_OPTIONS)) for label in rule.labels]
    attributes, blocks = _contents(rule.body, top_level=False)
    body = None
    if top_level and labels[0] in _KEEP_BODY:
        body = rule.body.serialize(_OPTIONS)
    return RawBlock(
        type=labels[0],
        labels=tuple(labels[1:]),
        label_pos=tuple(_pos(label._meta) for label in rule.labels[1:]),
        pos=_pos(rule._meta),
        attributes=attributes,
        blocks=blocks,
        body=body,
    )


def parse_hcl(text: str) -> ParsedFile:
    """Parse one file's text; a syntax error is returned in ``ParsedFile.errors``."""
    try:
        start = hcl2.parses(text)
    except UnexpectedInput as error:
        return ParsedFile(errors=(_describe(error, text),))
    except (LarkError, RuntimeError, ValueError) as error:
        return ParsedFile(errors=(SyntaxProblem(f"cannot parse: {error}", 1, 1),))
    _decode_escaped_markers(start)
    attributes, blocks = _contents(start.body, top_level=True)
    return ParsedFile(attributes=attributes, blocks=blocks)


def parse_expression(text: str) -> Any:
    """Parse one HCL expression (a ``--var`` list or map value); raises ``ValueError``."""
    parsed = parse_hcl(f"value = {text}\n")
    if parsed.errors:
        raise ValueError(parsed.errors[0].message)
    if len(parsed.attributes) != 1 or parsed.blocks:
        raise ValueError("not a single expression")
    return parsed.attributes[0].value


def _expected(names: set[str]) -> str:
    if names & _STRING_TOKENS and not names & _VALUE_TOKENS:
        return "the rest of the string or a closing '\"'"
    parts: list[str] = []
    if names & _VALUE_TOKENS:
        parts.append("a value")
    for token in sorted(names - _VALUE_TOKENS - _STRING_TOKENS):
        described = _TOKEN_NAMES.get(token)
        if described and described not in parts and not (parts and token == "NAME"):
            parts.append(described)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _describe(error: UnexpectedInput, text: str) -> SyntaxProblem:
    line = int(getattr(error, "line", 1) or 1)
    column = int(getattr(error, "column", 1) or 1)
    expected: set[str] = set(getattr(error, "expected", None) or getattr(error, "allowed", None)
                             or ())
    if isinstance(error, UnexpectedCharacters):
        offset = int(error.pos_in_stream or 0)
        found = f"'{text[offset]}'" if offset < len(text) else "end of file"
    elif isinstance(error, UnexpectedEOF):
        found = "end of file"
    else:
        token = getattr(error, "token", None)
        value = str(token) if token is not None else ""
        kind = getattr(token, "type", "")
        stripped = value.lstrip()
        # The token may start with the white space before the offending character.
        skipped = value[: len(value) - len(stripped)]
        line += skipped.count("\n")
        column = (len(skipped) - skipped.rfind("\n")) if "\n" in skipped else column + len(
            skipped)
        if kind == "$END" or not stripped:
            found = "end of file"
        else:
            found = f"'{stripped[0]}'" if kind in ("STRING_CHARS",) or len(stripped) == 1 \
                else f"'{stripped.splitlines()[0]}'"
    if found == "end of file" and expected and expected <= _STRING_TOKENS | {"DBLQUOTE"}:
        lines = text.splitlines()
        if 0 < line <= len(lines):  # point at the opening quote
            quote = lines[line - 1].rfind('"', 0, max(column - 1, 0))
            column = quote + 1 if quote >= 0 else column
        return SyntaxProblem("unterminated string: a '\"' is missing", line, column)
    wanted = _expected(expected)
    message = f"unexpected {found}"
    if wanted:
        message += f"; expected {wanted}"
    return SyntaxProblem(message, line, column)
