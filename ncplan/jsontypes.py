"""JSON's names for values and Python types, for messages about a JSON document (a state
file, a plan file, an API answer): ``a number``, ``a string``, ``null``; never Python's
``int``, ``str`` or ``NoneType``."""

from __future__ import annotations

from typing import Any

_NAMES: dict[type, str] = {bool: "a bool", int: "a number", float: "a number",
                           str: "a string", list: "a list", dict: "an object",
                           type(None): "null"}


def kind_name(kind: type | tuple[type, ...]) -> str:
    """``int`` -> ``a number``; ``(int, str)`` -> ``a number or a string``."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = dict.fromkeys(_NAMES.get(k, k.__name__) for k in kinds)
    return " or ".join(names)


def value_kind(value: Any) -> str:
    """The JSON kind of ``value``: ``a number``, ``a string``, ``null``, ..."""
    for kind, name in _NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__
