"""Secrets: the one rule that says a value holds one, the one walker that applies it, the
one marker that shows it. Pure.

The rule (:func:`holds_secret`): a leaf holds a secret when its text contains the text of
a sensitive variable's value: a string containing it, a number whose digits contain it
(with the secret ``80``, the port ``8080`` holds it). Every non-empty secret counts,
however short: over-masking is the safe failure. An empty secret has no bytes to leak and
masks nothing; ``null`` and booleans never hold one.

The walker (:func:`mask_where`) mirrors a value with ``True`` at the leaves a test picks
(Terraform's ``*_sensitive`` shape: maps keep their marked keys, lists their positions,
``False`` when nothing is marked); :func:`hide` writes :data:`MARKER` at a mask's leaves.
Everything ncplan prints or writes goes through them: the state and plan files hold
values redacted by the rule (:func:`redact`), the views show a change by its masks.

A change's masks (:func:`change_masks`) cover both sides: a path that holds a secret on
either side, or that the state recorded redacted (a secret of the previous apply, whose
value ncplan no longer knows), is masked on both, so a rotated password shows as
``(sensitive value) -> (sensitive value)``. Nomad's own diff of a job is masked field by
field (:func:`nomad_plan_mask`): a field whose old or new value holds a current secret, or
a value the change masks, is masked whole.

:func:`restore` puts redacted values back from the desired body at the same path, where
that still holds a secret (a secret is taken as unchanged). No digest of a secret is kept
anywhere: a short secret's digest is guessable offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ncplan.kinds.managed import item_name
from ncplan.kinds.registry import KINDS
from ncplan.kinds.secrets import MARKER as MARKER
from ncplan.kinds.secrets import holds_secret as holds_secret
from ncplan.kinds.secrets import restore as restore
from ncplan.providers.live import NomadJobPlan
from ncplan.resources.plain import is_mapping
from ncplan.state.model import State

#: A mask: ``True`` (all of the value), ``False`` (none of it), or a dict/list mirroring it.
Mask = Any


def mask_where(value: Any, marked: Callable[[Any], bool]) -> Mask:
    """The walker: the mask of ``value`` with ``True`` at the leaves ``marked`` picks."""
    if is_mapping(value):
        masks = ((str(k), mask_where(v, marked)) for k, v in value.items())
        return {k: m for k, m in masks if m is not False} or False
    if isinstance(value, list | tuple):
        items = [mask_where(v, marked) for v in value]
        return items if any(m is not False for m in items) else False
    return bool(marked(value))


def mask_of(value: Any, secrets: frozenset[str]) -> Mask:
    """The mask of the leaves of ``value`` that hold one of ``secrets``."""
    if not any(secrets):
        return False
    return mask_where(value, lambda leaf: holds_secret(leaf, secrets))


def marker_mask(value: Any) -> Mask:
    """The mask of an already redacted value (the state, a plan file): its markers."""
    return mask_where(value, lambda leaf: bool(leaf == MARKER))


def still_redacted(value: Any) -> bool:
    """Whether a marker is left in ``value`` (a plan file's body that was not restored)."""
    return marker_mask(value) is not False


def hide(value: Any, mask: Mask) -> Any:
    """``value`` with :data:`MARKER` at each leaf (or whole part) ``mask`` marks."""
    if mask is False or value is None:
        return value
    if is_mapping(value) and is_mapping(mask):
        return {key: hide(item, mask.get(str(key), False)) for key, item in value.items()}
    if isinstance(value, list | tuple) and isinstance(mask, list):
        return [hide(item, mask[i] if i < len(mask) else False)
                for i, item in enumerate(value)]
    return MARKER  # True, or a mask of another shape: all of it


def redact(value: Any, secrets: frozenset[str]) -> Any:
    """``value`` with every leaf holding a secret replaced by :data:`MARKER`."""
    return hide(value, mask_of(value, secrets))


def redacted_state(state: State, secrets: frozenset[str]) -> State:
    """``state`` with every recorded value holding one of ``secrets`` redacted."""
    return state.with_resources([replace(r, attributes=redact(r.attributes, secrets))
                                 for r in state.resources])


def merge_masks(first: Mask, second: Mask) -> Mask:
    """Two masks of one value as one: ``True`` wherever either is."""
    if first is False:
        return second
    if second is False or first is True:
        return first
    if second is True:
        return True
    if is_mapping(first) and is_mapping(second):
        return {key: merge_masks(first.get(key, False), second.get(key, False))
                for key in {**first, **second}}
    if isinstance(first, list) and isinstance(second, list):
        longer, shorter = (first, second) if len(first) >= len(second) else (second, first)
        return [merge_masks(m, shorter[i] if i < len(shorter) else False)
                for i, m in enumerate(longer)]
    return True  # two shapes for one value: mask all of it


def _pairs(source: Sequence[Any], target: Sequence[Any]) -> list[tuple[int, int]]:
    """Positions of the same item in two lists: by name for named objects (task groups,
    tasks, services), else by position."""
    named = [item_name(item) for item in target]
    if target and None not in named and len(set(named)) == len(named):
        at = {name: j for j, name in enumerate(named)}
        return [(i, at[name]) for i, item in enumerate(source)
                if (name := item_name(item)) in at]
    return [(i, i) for i in range(min(len(source), len(target)))]


def carry(mask: Mask, source: Any, target: Any) -> Mask:
    """``mask`` (of ``source``) moved onto ``target``: the same paths, list items matched
    as :func:`_pairs` does. Where the shapes part, all of the target's part is masked."""
    if mask is False or target is None:
        return False
    if mask is True:
        return True
    if is_mapping(mask) and is_mapping(source):
        if not is_mapping(target):
            return True
        found = {str(k): carry(m, source.get(k), target[k]) for k, m in mask.items()
                 if k in target}
        return {k: m for k, m in found.items() if m is not False} or False
    if isinstance(mask, list) and isinstance(source, list | tuple):
        if not isinstance(target, list | tuple):
            return True
        items: list[Mask] = [False] * len(target)
        for i, j in _pairs(source, target):
            if i < len(mask):
                items[j] = merge_masks(items[j], carry(mask[i], source[i], target[j]))
        return items if any(m is not False for m in items) else False
    return True


def change_masks(before: Any, after: Any, secrets: frozenset[str], *,
                 recorded: Any = None, always: tuple[Mask, Mask] = (False, False)
                 ) -> tuple[Mask, Mask]:
    """``(before_sensitive, after_sensitive)`` of one object's two sides: the leaves that
    hold a secret, the paths ``recorded`` (the state's attributes) holds redacted, and
    ``always`` (what a kind always keeps secret), each carried to the other side."""
    old = merge_masks(mask_of(before, secrets), always[0])
    new = merge_masks(mask_of(after, secrets), always[1])
    if recorded is not None:
        held = marker_mask(recorded)
        old = merge_masks(old, carry(held, recorded, before))
        new = merge_masks(new, carry(held, recorded, after))
    return (merge_masks(old, carry(new, after, before)),
            merge_masks(new, carry(old, before, after)))


def masked_texts(value: Any, mask: Mask) -> frozenset[str]:
    """The texts of the non-empty leaves ``mask`` marks (to mask the same values where
    they show again, in Nomad's diff)."""
    if mask is False or value is None:
        return frozenset()
    return frozenset(_texts(value, mask))


def _texts(value: Any, mask: Mask) -> list[str]:
    if mask is True:
        if is_mapping(value):
            return [t for v in value.values() for t in _texts(v, True)]
        if isinstance(value, list | tuple):
            return [t for v in value for t in _texts(v, True)]
        if value is None or isinstance(value, bool) or str(value) == "":
            return []
        return [str(value)]
    if is_mapping(mask) and is_mapping(value):
        return [t for k, m in mask.items() for t in _texts(value.get(k), m)]
    if isinstance(mask, list) and isinstance(value, list | tuple):
        return [t for v, m in zip(value, mask, strict=False) for t in _texts(v, m)]
    return []


def _field_mask(field: Mapping[str, Any], texts: frozenset[str]) -> Mask:
    """A field of Nomad's diff: both its values masked when either holds one of ``texts``
    (an empty side holds nothing and stays as it is)."""
    old, new = field.get("Old"), field.get("New")
    if not (holds_secret(old, texts) or holds_secret(new, texts)):
        return False
    return {side: True for side, value in (("Old", old), ("New", new))
            if value not in (None, "")} or False


def diff_mask(diff: Any, texts: frozenset[str]) -> Mask:
    """The mask of Nomad's job diff: each field whose old or new value holds one of
    ``texts``, masked on both sides."""
    if is_mapping(diff):
        if "Old" in diff or "New" in diff:
            return _field_mask(diff, texts)
        masks = ((str(k), diff_mask(v, texts)) for k, v in diff.items())
        return {k: m for k, m in masks if m is not False} or False
    if isinstance(diff, list | tuple):
        items = [diff_mask(v, texts) for v in diff]
        return items if any(m is not False for m in items) else False
    return False


def nomad_plan_mask(plan: NomadJobPlan | None, secrets: frozenset[str],
                    *masked: tuple[Any, Mask]) -> Mask:
    """The mask of Nomad's plan (``{"diff": ..., "warnings": ...}``): what holds one of
    ``secrets`` or the text of a value the change masks (``masked``: value, mask pairs)."""
    if plan is None:
        return False
    texts = secrets.union(*(masked_texts(value, mask) for value, mask in masked))
    found = {"diff": diff_mask(plan.diff, texts),
             "warnings": holds_secret(plan.warnings, texts)}
    return {k: m for k, m in found.items() if m is not False} or False


def hidden_nomad_plan(plan: NomadJobPlan | None, mask: Mask) -> NomadJobPlan | None:
    """Nomad's plan with what ``mask`` marks hidden."""
    if plan is None or mask is False:
        return plan
    shown = hide({"diff": plan.diff, "warnings": plan.warnings}, mask)
    return replace(plan, diff=shown["diff"], warnings=shown["warnings"])


def secret_item_mask(kind: str, value: Any) -> Mask:
    """The mask of the values a resource kind always holds secret: every item of a kind
    whose items are secrets (a sidecar identity's variable), whatever the configuration's
    variables say."""
    known = KINDS.get(kind)
    if known is None or not known.secret_items or not is_mapping(value):
        return False
    items = value.get("Items")
    if not is_mapping(items) or not items:
        return False
    return {"Items": {str(key): True for key in items}}
