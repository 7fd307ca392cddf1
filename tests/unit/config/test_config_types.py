"""The type language of variable blocks: parsing type expressions, converting values."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncplan.config.types import (
    ANY,
    STRING,
    Attribute,
    Collection,
    Mismatch,
    ObjectType,
    Prim,
    TupleType,
    TypeExpr,
    TypeSyntaxError,
    conform,
    describe,
    parse_type,
    phrase,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("string", STRING),
    (" list(string) ", Collection("list", STRING)),
    ("list", Collection("list", ANY)),
    ("map", Collection("map", ANY)),
    ("set(number)", Collection("set", Prim("number"))),
    ("map(object({ a = string, b = optional(number) }))",
     Collection("map", ObjectType((Attribute("a", STRING),
                                   Attribute("b", Prim("number"), optional=True))))),
    ("object({\n  hostname = string\n  port     = number # comment\n})",
     ObjectType((Attribute("hostname", STRING), Attribute("port", Prim("number"))))),
    ("tuple([string, bool, list(any)])",
     TupleType((STRING, Prim("bool"), Collection("list", ANY)))),
])
def test_type_expressions_are_read_from_their_source_text(text: str, expected: TypeExpr) -> None:
    assert parse_type(text) == expected


@pytest.mark.parametrize(("text", "message", "offset"), [
    ("strin", 'unknown type "strin"', 0),
    ("list(string", "expected ')' in a type, found the end", 11),
    ('"string"', 'unknown type "string"', 0),
    ("object({ a = string, a = number })", 'attribute "a" is declared twice', 21),
    ("object({ a = optional(string, \"x\") })", "optional(T, default) is not supported", 28),
    ("list(string) x", "unexpected 'x' after the type", 13),
])
def test_bad_type_expressions_say_what_and_where(text: str, message: str, offset: int) -> None:
    with pytest.raises(TypeSyntaxError) as caught:
        parse_type(text)
    assert caught.value.message.startswith(message)
    assert caught.value.offset == offset


def test_conversions_follow_hcl() -> None:
    assert conform([1, True, "x"], Collection("list", STRING)) == ["1", "true", "x"]
    assert conform({"a": "5", "b": 2.5}, Collection("map", Prim("number"))) == {"a": 5, "b": 2.5}
    assert conform(["a", "a", "b"], Collection("set", STRING)) == ["a", "b"]
    person = ObjectType((Attribute("name", STRING), Attribute("age", Prim("number"), True)))
    assert conform({"name": "x", "extra": 1}, person) == {"name": "x", "age": None}
    assert conform(["true", 1], TupleType((Prim("bool"), STRING))) == [True, "1"]


@pytest.mark.parametrize(("value", "kind", "message"), [
    ([{"a": 1}], "list(string)",
     'expected a list of strings, got a list [{"a": 1}] ([0] is a map {"a": 1})'),
    ({"a": "x"}, "map(number)",
     'expected a map of numbers, got a map {"a": "x"} (["a"] is string "x")'),
    ({"hostname": "h"}, "object({ hostname = string, port = number })",
     'expected an object with attributes hostname, port, got a map {"hostname": "h"} '
     "(.port is missing)"),
    ([1], "tuple([number, number])", "expected a tuple of 2 elements, got a list [1]"),
    ("yes", "bool", 'expected a bool, got string "yes"'),
    ([[1], ["x"]], "list(list(number))",
     'expected a list of lists of numbers, got a list [[1], ["x"]] ([1][0] is string "x")'),
])
def test_mismatches_say_what_was_expected_and_where_it_differs(value: Any, kind: str,
                                                               message: str) -> None:
    with pytest.raises(Mismatch) as caught:
        conform(value, parse_type(kind))
    assert str(caught.value) == message


# --- random nested types and values ----------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "c", "port", "name"])
_PRIMS = st.sampled_from([STRING, Prim("number"), Prim("bool")])
_KEYS = st.text("abc-_ 1", max_size=3)  # map keys (the message quotes them as written)


def _types() -> st.SearchStrategy[TypeExpr]:
    def extend(inner: st.SearchStrategy[TypeExpr]) -> st.SearchStrategy[TypeExpr]:
        attributes = st.lists(st.tuples(_NAMES, inner, st.booleans()), max_size=3,
                              unique_by=lambda item: item[0])
        return st.one_of(
            st.builds(Collection, st.sampled_from(["list", "set", "map"]), inner),
            attributes.map(lambda items: ObjectType(tuple(Attribute(n, t, o)
                                                          for n, t, o in items))),
            st.lists(inner, max_size=3).map(lambda items: TupleType(tuple(items))),
        )
    return st.recursive(_PRIMS, extend, max_leaves=8)


def _values(kind: TypeExpr) -> st.SearchStrategy[Any]:
    """Values that conform to ``kind`` (in their already converted form)."""
    if isinstance(kind, Prim):
        return {"string": st.text(max_size=5), "bool": st.booleans(),
                "number": st.integers(-5, 5)}[kind.name]
    if isinstance(kind, Collection):
        if kind.kind == "map":
            return st.dictionaries(_KEYS, _values(kind.element), max_size=3)
        if kind.kind == "set":
            return st.lists(_values(kind.element), max_size=3,
                            unique_by=lambda item: json.dumps(item, sort_keys=True))
        return st.lists(_values(kind.element), max_size=3)
    if isinstance(kind, ObjectType):
        return st.fixed_dictionaries({a.name: _values(a.type) for a in kind.attributes})
    return st.tuples(*(_values(t) for t in kind.elements)).map(list)


def _wrong(kind: TypeExpr) -> st.SearchStrategy[Any]:
    """Values that never conform to ``kind``."""
    if isinstance(kind, Prim):
        return st.just([1]) if kind.name == "string" else st.just({"x": 1}) \
            if kind.name == "number" else st.just("maybe")
    if isinstance(kind, Collection):
        return st.just(7) if kind.kind == "map" else st.just({"x": 1})
    if isinstance(kind, ObjectType):
        return st.just([1, 2])
    return st.just({"x": 1})


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_conforming_values_convert_to_themselves_and_the_type_reads_back(data: Any) -> None:
    kind = data.draw(_types())
    value = data.draw(_values(kind))
    assert parse_type(str(kind)) == kind
    assert conform(value, kind) == value


def _corrupted(kind: TypeExpr) -> st.SearchStrategy[tuple[Any, str]]:
    """A value of ``kind`` with one place (anywhere inside) that does not conform, and the
    path of that place as messages write it (``[0].name["k"]``)."""
    if isinstance(kind, Prim):
        return _wrong(kind).map(lambda bad: (bad, ""))
    if isinstance(kind, Collection) and kind.kind == "map":
        return st.tuples(_values(kind), _KEYS, _corrupted(kind.element)).map(
            lambda t: ({**{k: v for k, v in t[0].items() if k != t[1]}, t[1]: t[2][0]},
                       f'["{t[1]}"]' + t[2][1]))
    if isinstance(kind, Collection):
        return st.tuples(_values(kind), _corrupted(kind.element)).map(
            lambda t: ([*t[0], t[1][0]], f"[{len(t[0])}]" + t[1][1]))
    if isinstance(kind, ObjectType):
        if not kind.attributes:
            return _wrong(kind).map(lambda bad: (bad, ""))
        return st.tuples(_values(kind), st.sampled_from(kind.attributes)).flatmap(
            lambda t: _corrupted(t[1].type).map(
                lambda c: ({**t[0], t[1].name: c[0]}, f".{t[1].name}" + c[1])))
    if not kind.elements:
        return _wrong(kind).map(lambda bad: (bad, ""))
    return st.tuples(_values(kind), st.integers(0, len(kind.elements) - 1)).flatmap(
        lambda t: _corrupted(kind.elements[t[1]]).map(
            lambda c: ([*t[0][:t[1]], c[0], *t[0][t[1] + 1:]], f"[{t[1]}]" + c[1])))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_wrong_value_anywhere_inside_is_refused_naming_its_place(data: Any) -> None:
    """One leaf (or a whole collection) of the wrong kind, at any depth: the value is
    refused, and the message names the first place that does not conform."""
    kind = data.draw(_types())
    bad, path = data.draw(_corrupted(kind))
    with pytest.raises(Mismatch) as caught:
        conform(bad, kind)
    inside = f" ({path} is {describe(_at(bad, path))})" if path else ""
    assert str(caught.value) == f"expected {phrase(kind)}, got {describe(bad)}{inside}"


def _at(value: Any, path: str) -> Any:
    for step in re.findall(r'\.(\w+)|\[(\d+)\]|\["([^"]*)"\]', path):
        name, index, key = step
        value = value[int(index)] if index else value[name or key]
    return value
