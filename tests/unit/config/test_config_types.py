"""The type language of variable blocks: parsing type expressions, converting values."""

from __future__ import annotations

import json
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
    parse_type,
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
            return st.dictionaries(st.text(max_size=3), _values(kind.element), max_size=3)
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


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_wrong_value_anywhere_inside_is_refused(data: Any) -> None:
    """Replace one leaf's value by a value of another type: the whole is refused."""
    kind = data.draw(_types())
    wrapped = Collection("list", kind)
    bad = data.draw(_wrong(kind))
    good = data.draw(st.lists(_values(kind), max_size=2))
    at = data.draw(st.integers(0, len(good)))
    with pytest.raises(Mismatch) as caught:
        conform([*good[:at], bad, *good[at:]], wrapped)
    assert str(caught.value).startswith("expected a list of ")
    assert f"([{at}]" in str(caught.value)
