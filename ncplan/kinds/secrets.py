"""The rule that says a value holds a secret, and secrets put back where they were
redacted. Pure (see :mod:`ncplan.planner.redaction` for the masks built on them).

Below the planner so that a kind (a job's drift plan in refresh) restores a recorded
body's redacted values the way the planner does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.resources.plain import is_mapping
from ncplan.secret_text import MARKER as MARKER


def holds_secret(leaf: Any, secrets: frozenset[str]) -> bool:
    """The rule: whether a leaf's text contains one of ``secrets``."""
    if leaf is None or isinstance(leaf, bool | Mapping | list | tuple):
        return False
    text = leaf if isinstance(leaf, str) else str(leaf)
    return any(secret and secret in text for secret in secrets)


def holds_marker(value: Any) -> bool:
    """Whether a :data:`MARKER` (a value redacted) is anywhere in ``value``."""
    if is_mapping(value):
        return any(holds_marker(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(holds_marker(item) for item in value)
    return bool(value == MARKER)


def restore(recorded: Any, desired: Any, secrets: frozenset[str]) -> Any:
    """``recorded`` with each :data:`MARKER` leaf taken from ``desired`` at the same path
    when that holds a secret; everything else as recorded."""
    if recorded == MARKER:
        return desired if holds_secret(desired, secrets) else recorded
    if is_mapping(recorded):
        other = desired if is_mapping(desired) else {}
        return {key: restore(item, other.get(key), secrets) for key, item in recorded.items()}
    if isinstance(recorded, list | tuple):
        others = list(desired) if isinstance(desired, list | tuple) else []
        return [restore(item, others[i] if i < len(others) else None, secrets)
                for i, item in enumerate(recorded)]
    return recorded
