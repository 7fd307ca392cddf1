"""The type language of ``variable`` blocks, as Terraform and Nomad users write it.

``string``, ``number``, ``bool``, ``any``, ``list(T)``, ``set(T)``, ``map(T)``,
``object({ name = T, other = optional(T) })`` and ``tuple([T, ...])``, nested to any
depth; bare ``list`` and ``map`` are ``list(any)`` and ``map(any)`` (Terraform's legacy
spelling). ``parse_type`` reads a type expression from its source text, so it does not
depend on how the HCL parser shows the expression.

``conform`` converts a value the way HCL converts it to a type constraint (a number or a
bool where a string is wanted becomes its text; a numeric string where a number is
wanted becomes the number; ``"true"``/``"false"`` become bools; an object drops the
attributes its type does not declare and fills a missing ``optional`` one with null) or
raises ``Mismatch`` saying what was expected and what was found. ``null`` conforms only
to an ``optional`` attribute; whether a variable itself may be null is ``nullable``'s
business (see :mod:`ncplan.config.variables`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Primitive = Literal["string", "number", "bool", "any"]
CollectionKind = Literal["list", "set", "map"]
PRIMITIVES: tuple[Primitive, ...] = ("string", "number", "bool", "any")


@dataclass(frozen=True)
class Prim:
    name: Primitive

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Collection:
    kind: CollectionKind
    element: TypeExpr

    def __str__(self) -> str:
        return f"{self.kind}({self.element})"


@dataclass(frozen=True)
class Attribute:
    """One attribute of an ``object({...})`` type."""

    name: str
    type: TypeExpr
    optional: bool = False

    def __str__(self) -> str:
        return f"{self.name} = optional({self.type})" if self.optional \
            else f"{self.name} = {self.type}"


@dataclass(frozen=True)
class ObjectType:
    attributes: tuple[Attribute, ...]

    def __str__(self) -> str:
        return "object({" + ", ".join(str(a) for a in self.attributes) + "})"


@dataclass(frozen=True)
class TupleType:
    elements: tuple[TypeExpr, ...]

    def __str__(self) -> str:
        return "tuple([" + ", ".join(str(e) for e in self.elements) + "])"


TypeExpr = Prim | Collection | ObjectType | TupleType
STRING = Prim("string")
ANY = Prim("any")


class TypeSyntaxError(ValueError):
    """A type expression that cannot be read; ``offset`` is where in the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Mismatch(ValueError):
    """A value that does not conform to a type; the message is for a person."""


_TOKEN = re.compile(r"\s+|#[^\n]*|//[^\n]*|/\*.*?\*/|(?P<tok>[A-Za-z_][A-Za-z0-9_-]*|\"[^\"]*\""
                    r"|[(){}\[\]=,:])", re.S)


def _tokens(text: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise TypeSyntaxError(f"unexpected {text[position]!r} in a type", position)
        if match.group("tok"):
            found.append((match.group("tok"), match.start()))
        position = match.end()
    return found


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.end = len(text)

    def peek(self) -> str:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else ""

    def offset(self) -> int:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else self.end

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            found = repr(token) if token else "the end"
            raise TypeSyntaxError(f"expected {expected!r} in a type, found {found}",
                                  self.offset())
        if not token:
            raise TypeSyntaxError("a type is missing", self.offset())
        self.index += 1
        return token

    def skip_commas(self) -> None:
        while self.peek() == ",":
            self.index += 1


def parse_type(text: str) -> TypeExpr:
    """A type expression (``list(object({ a = string }))``) -> its ``TypeExpr``."""
    reader = _Reader(text)
    result = _type(reader)
    if reader.peek():
        raise TypeSyntaxError(f"unexpected {reader.peek()!r} after the type", reader.offset())
    return result


def _type(reader: _Reader) -> TypeExpr:
    offset = reader.offset()
    name = reader.take()
    if name in PRIMITIVES:
        return Prim(name)
    if name in ("list", "set", "map"):
        if reader.peek() != "(":
            if name == "set":
                raise TypeSyntaxError("set needs its element type: set(T)", offset)
            return Collection(name, ANY)  # type: ignore[arg-type]
        reader.take("(")
        element = _type(reader)
        reader.take(")")
        return Collection(name, element)  # type: ignore[arg-type]
    if name == "object":
        return _object(reader)
    if name == "tuple":
        reader.take("(")
        reader.take("[")
        elements: list[TypeExpr] = []
        while reader.peek() != "]":
            elements.append(_type(reader))
            if reader.peek() != "]":
                reader.take(",")
        reader.take("]")
        reader.take(")")
        return TupleType(tuple(elements))
    hint = "string, number, bool, any, list(T), set(T), map(T), object({...}), tuple([...])"
    raise TypeSyntaxError(f'unknown type "{name.strip(chr(34))}"; use one of: {hint}', offset)


def _object(reader: _Reader) -> ObjectType:
    reader.take("(")
    reader.take("{")
    attributes: list[Attribute] = []
    reader.skip_commas()
    while reader.peek() != "}":
        offset = reader.offset()
        name = reader.take().strip('"')
        if any(a.name == name for a in attributes):
            raise TypeSyntaxError(f'attribute "{name}" is declared twice', offset)
        if reader.peek() not in ("=", ":"):
            reader.take("=")
        reader.take()
        if reader.peek() == "optional":
            reader.take()
            reader.take("(")
            inner = _type(reader)
            if reader.peek() == ",":
                raise TypeSyntaxError("optional(T, default) is not supported; use optional(T)",
                                      reader.offset())
            reader.take(")")
            attributes.append(Attribute(name, inner, optional=True))
        else:
            attributes.append(Attribute(name, _type(reader)))
        reader.skip_commas()
    reader.take("}")
    reader.take(")")
    return ObjectType(tuple(attributes))


def type_source(attribute_text: str) -> tuple[str, int]:
    """``type = list(string)`` (an attribute's source) -> the expression and its offset."""
    equals = attribute_text.find("=")
    return attribute_text[equals + 1:], equals + 1


_PLURALS = {"string": "strings", "number": "numbers", "bool": "bools", "any": "values"}


def phrase(kind: TypeExpr, plural: bool = False) -> str:
    """How a type is named in messages: ``a list of strings``, ``maps of numbers``."""
    if isinstance(kind, Prim):
        if plural:
            return _PLURALS[kind.name]
        return "any value" if kind.name == "any" else f"a {kind.name}"
    if isinstance(kind, Collection):
        head = f"{kind.kind}s" if plural else f"a {kind.kind}"
        return f"{head} of {phrase(kind.element, plural=True)}"
    if isinstance(kind, ObjectType):
        names = ", ".join(a.name for a in kind.attributes) or "no attributes"
        return f"objects ({names})" if plural else f"an object with attributes {names}"
    return f"tuples of {len(kind.elements)}" if plural \
        else f"a tuple of {len(kind.elements)} elements"


def describe(value: Any) -> str:
    """A value as messages show it: ``string "x"``, ``number 1``, ``a list [1, 2]``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"bool {'true' if value else 'false'}"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, int | float):
        return f"number {value}"
    shown = json.dumps(value, default=str)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if isinstance(value, list | tuple):
        return f"a list {shown}"
    if isinstance(value, dict):
        return f"a map {shown}"
    return type(value).__name__


def conform(value: Any, kind: TypeExpr) -> Any:
    """``value`` converted to ``kind``; raises ``Mismatch`` (expected ..., got ...)."""
    problem = _problem(value, kind, "")
    if problem is not None:
        where, found = problem
        inside = f" ({where} is {found})" if where else ""
        raise Mismatch(f"expected {phrase(kind)}, got {describe(value)}{inside}")
    return _convert(value, kind)


def _problem(value: Any, kind: TypeExpr, path: str) -> tuple[str, str] | None:
    """Where (a path like ``[0].name``) and what does not conform, or None."""
    if isinstance(kind, Prim):
        return None if _scalar(value, kind.name) is not _NO else (path, describe(value))
    if isinstance(kind, Collection):
        if kind.kind == "map":
            if not isinstance(value, Mapping):
                return path, describe(value)
            items: Sequence[tuple[str, Any]] = [(f'["{k}"]', v) for k, v in value.items()]
        else:
            if not isinstance(value, list | tuple):
                return path, describe(value)
            items = [(f"[{i}]", v) for i, v in enumerate(value)]
        for step, item in items:
            found = _problem(item, kind.element, path + step)
            if found is not None:
                return found
        return None
    if isinstance(kind, ObjectType):
        if not isinstance(value, Mapping):
            return path, describe(value)
        for attribute in kind.attributes:
            inner = value.get(attribute.name)
            if inner is None and attribute.optional:
                continue
            if attribute.name not in value:
                return f"{path}.{attribute.name}", "missing"
            found = _problem(inner, attribute.type, f"{path}.{attribute.name}")
            if found is not None:
                return found
        return None
    if not isinstance(value, list | tuple) or len(value) != len(kind.elements):
        return path, describe(value)
    for index, (item, element) in enumerate(zip(value, kind.elements, strict=True)):
        found = _problem(item, element, f"{path}[{index}]")
        if found is not None:
            return found
    return None


class _Missing:
    pass


_NO = _Missing()


def _scalar(value: Any, name: str) -> Any:
    if name == "any":
        return _NO if value is None else value
    if value is None or isinstance(value, list | tuple | Mapping):
        return _NO
    if name == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else _number_text(value)
    if name == "bool":
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}.get(value, _NO) if isinstance(value, str) else _NO
    if isinstance(value, bool):
        return _NO
    if isinstance(value, int | float):
        return value
    try:
        return float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return _NO


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _convert(value: Any, kind: TypeExpr) -> Any:
    """``value`` (already known to conform) converted to ``kind``."""
    if isinstance(kind, Prim):
        return _scalar(value, kind.name)
    if isinstance(kind, Collection):
        if kind.kind == "map":
            return {str(k): _convert(v, kind.element) for k, v in value.items()}
        items = [_convert(v, kind.element) for v in value]
        if kind.kind == "set":
            unique: list[Any] = []
            for item in items:
                if item not in unique:
                    unique.append(item)
            return unique
        return items
    if isinstance(kind, ObjectType):
        return {a.name: (None if value.get(a.name) is None else _convert(value[a.name], a.type))
                for a in kind.attributes}
    return [_convert(v, t) for v, t in zip(value, kind.elements, strict=True)]
