"""Answers that carry a secret (an ACL token's SecretID, a Variable's items). Pure.

:meth:`Answer.json <ncplan.transport.http.Answer.json>` quotes a body it cannot parse in
its error; these answers must never be quoted, so they are parsed here, and an error
says what was wrong with the body's shape, never what it held.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ncplan.errors import ProviderError
from ncplan.jsontypes import value_kind


def digest(secret: str) -> str:
    """The SHA-256 of a secret: compares two secrets without keeping either."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_json(text: str, where: str) -> dict[str, Any]:
    """``text`` as a JSON object; a ProviderError naming ``where`` and never the body."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProviderError(f"{where}: the answer is not JSON ({error.msg}; its body is "
                            "not shown: it may hold a secret)") from None
    if not isinstance(value, dict):
        raise ProviderError(f"{where}: the answer is {value_kind(value)}, "
                            "expected an object (its body is not shown: it may hold "
                            "a secret)")
    return value


def secret_json_list(text: str, where: str) -> list[dict[str, Any]]:
    """``text`` as a JSON list of objects (``null``: none); a ProviderError naming
    ``where`` and never the body."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProviderError(f"{where}: the answer is not JSON ({error.msg}; its body is "
                            "not shown: it may hold a secret)") from None
    items = [] if value is None else value
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ProviderError(f"{where}: the answer is {value_kind(value)}, expected a list "
                            "of objects (its body is not shown: it may hold a secret)")
    return items


def index_of(payload: Mapping[str, Any], where: str) -> int:
    """The payload's ``ModifyIndex``, an int, or a ProviderError naming ``where``."""
    index = payload.get("ModifyIndex")
    if not isinstance(index, int) or isinstance(index, bool):
        raise ProviderError(f"{where}: the answer has no integer ModifyIndex")
    return index
