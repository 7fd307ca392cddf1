"""Masking of sensitive values: any output string that contains one is shown as
``(sensitive)``, whole, as Terraform shows a sensitive attribute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SENSITIVE = "(sensitive)"


def mask(value: Any, secrets: frozenset[str]) -> Any:
    """A copy of ``value`` (JSON-like data) with every string or number that contains a
    secret replaced by ``(sensitive)``. Over-masking is the safe failure."""
    if not secrets:
        return value
    if isinstance(value, Mapping):
        return {key: mask(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask(item, secrets) for item in value]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        if any(secret in text for secret in secrets):
            return SENSITIVE
    return value
