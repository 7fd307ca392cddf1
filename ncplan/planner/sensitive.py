"""``before_sensitive`` / ``after_sensitive``: where a value holds a secret. Pure.

Terraform's JSON plan mirrors each value with ``true`` at sensitive leaves; here a leaf
is sensitive when its text contains the value of a sensitive variable. A value with no
sensitive leaf is ``False``; maps keep only their sensitive keys, lists keep their
positions (``false`` for the clean items).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sensitive_mask(value: Any, secrets: frozenset[str]) -> Any:
    if not secrets or value is None:
        return False
    if isinstance(value, Mapping):
        marked = {str(k): sensitive_mask(v, secrets) for k, v in value.items()}
        kept = {k: m for k, m in marked.items() if m is not False}
        return kept or False
    if isinstance(value, list | tuple):
        items = [sensitive_mask(v, secrets) for v in value]
        return items if any(m is not False for m in items) else False
    if isinstance(value, bool):
        return False
    text = str(value)
    return any(secret in text for secret in secrets)
