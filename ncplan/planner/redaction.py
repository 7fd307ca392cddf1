"""Sensitive values kept out of everything ncplan writes or prints as JSON. Pure.

:func:`redact` replaces each leaf holding the value of a sensitive variable (a string
containing it, a number whose text is it) by :data:`MARKER`, the structure intact; the
state, plan files and JSON outputs hold that. :func:`restore` puts the values back from
the desired body at the same path, where that still holds a secret: the secret is taken
as unchanged (a refresh still sees a changed one in Nomad's diff of desired vs live).
No digest of a secret is kept anywhere: a short secret's digest is guessable offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.planner.sensitive import mask_where

MARKER = "(sensitive value)"


def holds_secret(value: Any, secrets: frozenset[str]) -> bool:
    """Whether a leaf holds a secret: a string containing one, a number that is one (an
    empty secret hides nothing, so it marks nothing)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return any(secret and secret in value for secret in secrets)
    if isinstance(value, int | float):
        return str(value) in secrets
    return False


def redact(value: Any, secrets: frozenset[str]) -> Any:
    """``value`` with every leaf holding a secret replaced by :data:`MARKER`."""
    if not secrets:
        return value
    if isinstance(value, Mapping):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return MARKER if holds_secret(value, secrets) else value


def restore(recorded: Any, desired: Any, secrets: frozenset[str]) -> Any:
    """``recorded`` with each :data:`MARKER` leaf taken from ``desired`` at the same path
    when that holds a secret; everything else as recorded."""
    if recorded == MARKER:
        return desired if holds_secret(desired, secrets) else recorded
    if isinstance(recorded, Mapping):
        other = desired if isinstance(desired, Mapping) else {}
        return {key: restore(item, other.get(key), secrets) for key, item in recorded.items()}
    if isinstance(recorded, list | tuple):
        others = list(desired) if isinstance(desired, list | tuple) else []
        return [restore(item, others[i] if i < len(others) else None, secrets)
                for i, item in enumerate(recorded)]
    return recorded


def redacted_mask(value: Any) -> Any:
    """A ``*_sensitive`` mask of an already redacted value: ``True`` at its markers."""
    return mask_where(value, lambda leaf: bool(leaf == MARKER))


def still_redacted(value: Any) -> bool:
    """Whether a marker is left in ``value`` (a plan file's body that was not restored)."""
    return redacted_mask(value) is not False
