"""``before_sensitive`` / ``after_sensitive``: where a value holds a secret. Pure.

Terraform's JSON plan mirrors each value with ``true`` at sensitive leaves; here a leaf
is sensitive when its text contains the value of a sensitive variable. A value with no
sensitive leaf is ``False``; maps keep only their sensitive keys, lists keep their
positions (``false`` for the clean items).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def mask_where(value: Any, marked: Callable[[Any], bool]) -> Any:
    """The mask of ``value``: ``True`` at the leaves ``marked`` picks, maps keeping only
    their marked keys, lists their positions; ``False`` when no leaf is marked."""
    if isinstance(value, Mapping):
        masks = ((str(k), mask_where(v, marked)) for k, v in value.items())
        return {k: m for k, m in masks if m is not False} or False
    if isinstance(value, list | tuple):
        items = [mask_where(v, marked) for v in value]
        return items if any(m is not False for m in items) else False
    return marked(value)


def sensitive_mask(value: Any, secrets: frozenset[str]) -> Any:
    if not secrets:
        return False
    return mask_where(value, lambda leaf: _shows_secret(leaf, secrets))


def _shows_secret(leaf: Any, secrets: frozenset[str]) -> bool:
    if leaf is None or isinstance(leaf, bool):
        return False
    text = str(leaf)
    return any(secret in text for secret in secrets)


def secret_item_mask(kind: str, value: Any) -> Any:
    """The mask of the values a resource kind always holds secret: every item of a
    sidecar identity's variable (whatever the configuration's variables say)."""
    if kind != "nomad_variable" or not isinstance(value, Mapping):
        return False
    items = value.get("Items")
    if not isinstance(items, Mapping) or not items:
        return False
    return {"Items": {str(key): True for key in items}}


def merge_masks(first: Any, second: Any) -> Any:
    """Two masks of one value as one: ``True`` wherever either is."""
    if first is False:
        return second
    if second is False or first is True:
        return first
    if second is True:
        return True
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        return {key: merge_masks(first.get(key, False), second.get(key, False))
                for key in {**first, **second}}
    return first
