"""Hypothesis strategies: valid HCL files in every layout, for ncplan fmt's properties.

A document is blocks (labelled, nested, empty, on one line), attributes whose values are
numbers, strings with interpolations and directives, references with indexes and splats,
function calls, operators, conditionals, ``for`` expressions, tuples and objects on one
line or several, and heredocs; with comments of the three kinds, blank lines, and random
blanks (spaces and tabs) wherever HCL allows them, indentation included.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = st.sampled_from(["a", "b", "name", "count", "long_name_here", "x-y", "_under", "in",
                         "café", "ключ"])
_WIDE = ["é", "ü", "日本", "👍🏽", "e\u0301"]  # wide and combined characters: widths count
WORDS = st.lists(st.sampled_from([*"abc XYZ-_.:/=0123456789{}[]()#", *_WIDE]),
                 max_size=12).map("".join)
TEXT = st.lists(st.sampled_from([*"abcdefghij ,.:;!?+-*/<>=()[]{}'#~`", *_WIDE]),
                max_size=16).map("".join)

# optional blanks; blanks where a space is required
_BLANK = st.sampled_from(["", "", " ", "  ", "\t", "   "])
_SPACE = st.sampled_from([" ", " ", "  ", "\t", " \t "])


def _name(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    return "in_" if name == "in" else name


def _ws(draw: st.DrawFn) -> str:
    return draw(_BLANK)


def _sp(draw: st.DrawFn) -> str:
    return draw(_SPACE)


def _string(draw: st.DrawFn, depth: int) -> str:
    parts = ['"']
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["text", "text", "interp", "directive", "escape"]))
        if kind == "text":
            parts.append(draw(TEXT))
        elif kind == "escape":
            parts.append(draw(st.sampled_from(["\\n", '\\"', "\\\\", "$${x}", "%%{y}"])))
        elif kind == "interp" and depth > 0:
            strip_open = draw(st.sampled_from(["", "~"]))
            strip_close = draw(st.sampled_from(["", "~"]))
            parts.append("${" + strip_open + _ws(draw) + _expression(draw, depth - 1, False)
                         + _ws(draw) + strip_close + "}")
        elif kind == "directive" and depth > 0:
            parts.append("%{" + _ws(draw) + "if" + _sp(draw) + _reference(draw) + _ws(draw)
                         + "}" + draw(TEXT) + "%{" + _ws(draw) + "endif" + _ws(draw) + "}")
    parts.append('"')
    return "".join(parts)


def _reference(draw: st.DrawFn) -> str:
    text = _name(draw)
    splat = False  # HCL takes one splat per reference
    for _ in range(draw(st.integers(0, 3))):
        step = draw(st.sampled_from(["attr", "index"] if splat else
                                    ["attr", "index", "splat", "full"]))
        splat = splat or step in ("splat", "full")
        if step == "attr":
            text += _ws(draw) + "." + _ws(draw) + _name(draw)
        elif step == "index":
            text += _ws(draw) + "[" + _ws(draw) + str(draw(st.integers(0, 20))) + _ws(draw) + "]"
        elif step == "splat":
            text += ".*." + _name(draw)
        else:
            text += "[*]." + _name(draw)
    return text


def _items(draw: st.DrawFn, depth: int, multiline: bool, *, trailing: bool) -> list[str]:
    return [_expression(draw, depth - 1, multiline)
            for _ in range(draw(st.integers(0 if trailing else 1, 3)))]


def _sequence(draw: st.DrawFn, open_: str, items: list[str], close: str,
              multiline: bool) -> str:
    if not items:
        return open_ + _ws(draw) + close
    if multiline and draw(st.booleans()):
        inner = "".join("\n" + _ws(draw) + item + _ws(draw) + "," for item in items)
        if draw(st.booleans()):
            inner = inner[:-1]
        return open_ + inner + "\n" + _ws(draw) + close
    joined = ("," + _ws(draw)).join(items)
    return open_ + _ws(draw) + joined + _ws(draw) + close


def _object(draw: st.DrawFn, depth: int, multiline: bool) -> str:
    count = draw(st.integers(0, 3))
    pairs = []
    for _ in range(count):
        key = draw(st.sampled_from([_name(draw), '"' + draw(WORDS).replace('"', "") + '"']))
        value = _expression(draw, depth - 1, multiline)
        pairs.append(key + _ws(draw) + draw(st.sampled_from(["=", ":"])) + _ws(draw) + value)
    if not pairs:
        return "{" + _ws(draw) + "}"
    if multiline and draw(st.booleans()):
        inner = "".join("\n" + _ws(draw) + pair + draw(st.sampled_from(["", ","]))
                        for pair in pairs)
        return "{" + inner + "\n" + _ws(draw) + "}"
    return "{" + _ws(draw) + ("," + _ws(draw)).join(pairs) + _ws(draw) + "}"


def _expression(draw: st.DrawFn, depth: int, multiline: bool) -> str:
    simple = ["number", "string", "literal", "reference", "negative"]
    nested = ["call", "tuple", "object", "binary", "conditional", "for", "not", "parens"]
    kind = draw(st.sampled_from(simple + (nested if depth > 0 else [])))
    if kind == "number":
        return draw(st.sampled_from(["0", "1", "42", "1.5", "10.25", "3.0e2"]))
    if kind == "string":
        return _string(draw, depth)
    if kind == "literal":
        return draw(st.sampled_from(["true", "false", "null"]))
    if kind == "reference":
        return _reference(draw)
    if kind == "negative":
        return "-" + _ws(draw) + draw(st.sampled_from(["1", "2.5", "x"]))
    if kind == "not":
        return "!" + _ws(draw) + _reference(draw)
    if kind == "parens":
        return "(" + _ws(draw) + _expression(draw, depth - 1, False) + _ws(draw) + ")"
    if kind == "call":
        items = _items(draw, depth, multiline, trailing=True)
        ellipsis = "..." if items and draw(st.booleans()) else ""
        if ellipsis:
            items[-1] += _ws(draw) + ellipsis
        return draw(st.sampled_from(["f", "upper", "merge"])) + _sequence(
            draw, "(", items, ")", multiline and not ellipsis)
    if kind == "tuple":
        return _sequence(draw, "[", _items(draw, depth, multiline, trailing=True), "]",
                         multiline)
    if kind == "object":
        return _object(draw, depth, multiline)
    if kind == "binary":
        operator = draw(st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", "<=",
                                         ">", ">=", "&&", "||"]))
        return (_expression(draw, depth - 1, False) + _sp(draw) + operator + _sp(draw)
                + _expression(draw, depth - 1, False))
    if kind == "conditional":
        return (_reference(draw) + _sp(draw) + "?" + _sp(draw)
                + _expression(draw, depth - 1, False) + _sp(draw) + ":" + _sp(draw)
                + _expression(draw, depth - 1, False))
    # a for expression
    body = _expression(draw, depth - 1, False)
    condition = ""
    if draw(st.booleans()):
        condition = _sp(draw) + "if" + _sp(draw) + _reference(draw)
    if draw(st.booleans()):
        return ("[" + _ws(draw) + "for" + _sp(draw) + "v" + _sp(draw) + "in" + _sp(draw)
                + _reference(draw) + _ws(draw) + ":" + _ws(draw) + body + condition
                + _ws(draw) + "]")
    return ("{" + _ws(draw) + "for" + _sp(draw) + "k," + _ws(draw) + "v" + _sp(draw) + "in"
            + _sp(draw) + _reference(draw) + _ws(draw) + ":" + _ws(draw) + "k" + _ws(draw)
            + "=>" + _ws(draw) + body + condition + _ws(draw) + "}")


def _heredoc(draw: st.DrawFn) -> str:
    flush = draw(st.sampled_from(["", "-"]))
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        line = draw(st.sampled_from(["", " ", "    ", "\t"])) + draw(TEXT).replace("$", "")
        if draw(st.booleans()):
            line += "${" + _ws(draw) + _reference(draw) + _ws(draw) + "}"
        lines.append(line.replace("%{", "%"))
    closing = draw(st.sampled_from(["", "  ", "    "])) if flush else ""
    return "<<" + flush + "EOT\n" + "".join(line + "\n" for line in lines) + closing + "EOT"


def _comment(draw: st.DrawFn) -> str:
    text = draw(TEXT)
    while "*/" in text:  # one pass can leave one: "**//" -> "*/"
        text = text.replace("*/", "")
    return draw(st.sampled_from(["#", "//"])) + text if draw(st.booleans()) else (
        "/*" + text + "*/")


def _trailing_comment(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) != 0:
        return ""
    return _ws(draw) + _comment(draw)


def _body(draw: st.DrawFn, depth: int) -> list[str]:
    lines: list[str] = []
    names: set[str] = set()  # an attribute is set once per body

    def unique(name: str) -> str:
        while name in names:
            name += "_"
        names.add(name)
        return name

    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["attribute", "attribute", "block", "comment", "blank"]
                                    if depth > 0 else ["attribute", "comment", "blank"]))
        indent = _ws(draw)
        if kind == "blank":
            lines.append(_ws(draw))
        elif kind == "comment":
            lines.append(indent + _comment(draw))
        elif kind == "attribute":
            if draw(st.integers(0, 6)) == 0:
                value = _heredoc(draw)
                lines.append(indent + unique(_name(draw)) + _ws(draw) + "=" + _ws(draw)
                             + value)
                continue
            value = _expression(draw, 2, True)
            lines.append(indent + unique(_name(draw)) + _ws(draw) + "=" + _ws(draw) + value
                         + _trailing_comment(draw))
        else:
            lines.extend(_block(draw, depth, indent))
    return lines


def _block(draw: st.DrawFn, depth: int, indent: str) -> list[str]:
    head = _name(draw)
    for _ in range(draw(st.integers(0, 2))):
        label = draw(st.sampled_from(['"' + draw(WORDS).replace('"', "") + '"', _name(draw)]))
        head += _sp(draw) + label
    shape = draw(st.sampled_from(["nested", "nested", "empty", "one_line"]))
    if shape == "empty":
        return [indent + head + _ws(draw) + "{" + _ws(draw) + "}" + _trailing_comment(draw)]
    if shape == "one_line":
        attribute = _name(draw) + _ws(draw) + "=" + _ws(draw) + _expression(draw, 1, False)
        return [indent + head + _ws(draw) + "{" + _ws(draw) + attribute + _ws(draw) + "}"]
    return [indent + head + _ws(draw) + "{" + _trailing_comment(draw),
            *_body(draw, depth - 1), _ws(draw) + "}" + _trailing_comment(draw)]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """One HCL file's text."""
    lines = _body(draw, 3)
    end = draw(st.sampled_from(["\n", "\n", "\n\n", ""]))
    if lines and lines[-1].endswith("EOT"):  # a heredoc's closing marker ends its line
        end = end or "\n"
    return "\n".join(lines) + end if lines else draw(st.sampled_from(["", "\n", "  "]))
