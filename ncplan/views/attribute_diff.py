"""The attribute diff of one resource, as lines each view styles. Pure, no printing.

Terraform's layout: ``+ key = value`` for an added attribute, ``~ key = old -> new`` for
a changed one, ``- key = value -> null`` for a removed one; maps and lists open a nested
block; in an update, unchanged attributes are elided as ``# (N unchanged attributes
hidden)``. A leaf marked ``True`` in the ``*_sensitive`` masks (Terraform's JSON mirror of
a value) is written ``(sensitive value)``. Lists of named objects (task groups, tasks,
services by ``Name``; ports by ``Label``; upstreams by ``DestinationName``) are matched by
name, so a reordered or renamed group reads as such.

The human view prints a :class:`DiffLine` at ``indent(depth)`` with its sign coloured;
the Markdown view moves the sign to the first column for a ```diff block.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ncplan.kinds.managed import NAME_KEYS, item_name
from ncplan.planner.redaction import MARKER as SENSITIVE
from ncplan.views.hcl import hcl_key

_MISSING: Any = object()


@dataclass(frozen=True)
class DiffLine:
    """One line: ``sign`` is ``+``, ``-``, ``~``, ``-/+`` or ``" "`` (context/comment)."""

    depth: int
    sign: str
    text: str

    @property
    def pad(self) -> str:
        """The spaces before the sign: the sign's column is ``2 + 4 * depth``."""
        return " " * max(2 + 4 * self.depth - len(self.sign) + 1, 0)

    def plain(self) -> str:
        """The line as Terraform lays it out: the sign in its column, then the text."""
        return f"{self.pad}{self.sign} {self.text}".rstrip()


@dataclass(frozen=True)
class Sides:
    """The two values of one attribute with their sensitivity masks."""

    old: Any
    new: Any
    old_mask: Any = False
    new_mask: Any = False


def scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sub(mask: Any, key: Any) -> Any:
    """The mask of ``key`` (a map key or a list position) inside ``mask``."""
    if mask is True:
        return True
    if isinstance(mask, Mapping):
        return mask.get(key, False)
    if isinstance(mask, list) and isinstance(key, int) and key < len(mask):
        return mask[key]
    return False


def _container(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _shape(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map"
    return "list" if isinstance(value, list | tuple) else "scalar"


def resource_lines(kind: str, name: str, sign: str, sides: Sides, *,
                   replace_paths: Sequence[str] = ()) -> list[DiffLine]:
    """``SIGN resource "KIND" "NAME" {``, the attribute diff, ``}``."""
    body = block_lines(sides, 1, (), frozenset(replace_paths))
    return [DiffLine(0, sign, f'resource "{kind}" "{name}" {{'), *body, DiffLine(0, " ", "}")]


def block_lines(sides: Sides, depth: int, path: tuple[str, ...],
                forcing: frozenset[str]) -> list[DiffLine]:
    """The entries of two maps (either may be ``_MISSING``/``None``), keys sorted."""
    old = sides.old if isinstance(sides.old, Mapping) else {}
    new = sides.new if isinstance(sides.new, Mapping) else {}
    entries = [(key, Sides(old.get(key, _MISSING), new.get(key, _MISSING),
                           _sub(sides.old_mask, key), _sub(sides.new_mask, key)))
               for key in sorted({*old, *new}, key=str)]
    shown = [(key, entry) for key, entry in entries
             if not _unchanged(entry) or key in NAME_KEYS]
    hidden = len(entries) - len(shown)
    width = max((len(hcl_key(str(key))) for key, _ in shown), default=0)
    lines: list[DiffLine] = []
    for key, entry in shown:
        label = hcl_key(str(key)).ljust(width)
        if _unchanged(entry):
            lines.append(DiffLine(depth, " ", f"{label} = {_shown(entry.new, entry.new_mask)}"))
        else:
            lines += entry_lines(label, entry, depth, (*path, str(key)), forcing)
    if hidden:
        noun = "attribute" if hidden == 1 else "attributes"
        lines.append(DiffLine(depth, " ", f"# ({hidden} unchanged {noun} hidden)"))
    return lines


def _unchanged(entry: Sides) -> bool:
    same_mask = (entry.old_mask is True) == (entry.new_mask is True)
    return same_mask and bool(_canonical(entry.old) == _canonical(entry.new))


def _canonical(value: Any) -> Any:
    """``value`` with lists of named objects keyed by name: their order means nothing."""
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and _named(value):
            return {("named", item_name(item)): _canonical(item) for item in value}
        return [_canonical(v) for v in value]
    return value


def _shown(value: Any, mask: Any) -> str:
    return SENSITIVE if mask is True else scalar(value)


def entry_lines(label: str, entry: Sides, depth: int, path: tuple[str, ...],
                forcing: frozenset[str]) -> list[DiffLine]:
    """One attribute: a scalar line, or a nested block for a map or a list."""
    old, new = entry.old, entry.new
    note = " # forces replacement" if ".".join(path) in forcing else ""
    sign = "+" if old is _MISSING else "-" if new is _MISSING else "~"
    if entry.old_mask is True or entry.new_mask is True:
        tail = " -> null" if sign == "-" else ""
        return [DiffLine(depth, sign, f"{label} = {SENSITIVE}{tail}{note}")]
    if _container(old) or _container(new):
        if old is _MISSING or new is _MISSING or _shape(old) == _shape(new):
            return _nested(label, entry, depth, path, forcing, sign, note)
        return [*entry_lines(label, Sides(old, _MISSING, entry.old_mask), depth, path, forcing),
                *entry_lines(label, Sides(_MISSING, new, False, entry.new_mask), depth, path,
                             forcing)]
    if sign == "+":
        return [DiffLine(depth, "+", f"{label} = {scalar(new)}{note}")]
    if sign == "-":
        return [DiffLine(depth, "-", f"{label} = {scalar(old)} -> null{note}")]
    return [DiffLine(depth, "~", f"{label} = {scalar(old)} -> {scalar(new)}{note}")]


def _nested(label: str, entry: Sides, depth: int, path: tuple[str, ...],
            forcing: frozenset[str], sign: str, note: str) -> list[DiffLine]:
    sample = entry.new if entry.new is not _MISSING else entry.old
    is_map = isinstance(sample, Mapping)
    if is_map:
        inner = block_lines(entry, depth + 1, path, forcing)
    else:
        inner = list_lines(entry, depth + 1, path, forcing)
    opening, closing = ("{", "}") if is_map else ("[", "]")
    tail = " -> null" if sign == "-" else ""
    return [DiffLine(depth, sign, f"{label} = {opening}{note}"), *inner,
            DiffLine(depth, " ", f"{closing}{tail}")]


def _named(items: Sequence[Any]) -> bool:
    names = [item_name(item) for item in items]
    return None not in names and len(set(names)) == len(names)


def list_lines(entry: Sides, depth: int, path: tuple[str, ...],
               forcing: frozenset[str]) -> list[DiffLine]:
    """A list's items: named objects matched by name, others aligned by difflib."""
    old = list(entry.old) if isinstance(entry.old, list | tuple) else []
    new = list(entry.new) if isinstance(entry.new, list | tuple) else []
    if (old or new) and _named(old) and _named(new):
        pairs = _pairs_by_name(old, new)
    else:
        pairs = _pairs_by_sequence(old, new)
    lines: list[DiffLine] = []
    hidden = 0
    for i, j in pairs:
        item = Sides(old[i] if i is not None else _MISSING, new[j] if j is not None else _MISSING,
                     _sub(entry.old_mask, i) if i is not None else False,
                     _sub(entry.new_mask, j) if j is not None else False)
        if i is not None and j is not None and _unchanged(item):
            hidden += 1
            continue
        lines += _item_lines(item, depth, path, forcing)
    if hidden:
        noun = "element" if hidden == 1 else "elements"
        lines.append(DiffLine(depth, " ", f"# ({hidden} unchanged {noun} hidden)"))
    return lines


def _item_lines(item: Sides, depth: int, path: tuple[str, ...],
                forcing: frozenset[str]) -> list[DiffLine]:
    sign = "+" if item.old is _MISSING else "-" if item.new is _MISSING else "~"
    if item.old_mask is True or item.new_mask is True:
        return [DiffLine(depth, sign, f"{SENSITIVE},")]
    sample = item.new if item.new is not _MISSING else item.old
    if sign == "~" and _shape(item.old) != _shape(item.new):
        return [*_item_lines(Sides(item.old, _MISSING, item.old_mask), depth, path, forcing),
                *_item_lines(Sides(_MISSING, item.new, False, item.new_mask), depth, path,
                             forcing)]
    if isinstance(sample, Mapping):
        inner = block_lines(item, depth + 1, path, forcing)
        return [DiffLine(depth, sign, "{"), *inner, DiffLine(depth, " ", "},")]
    if isinstance(sample, list | tuple):
        inner = list_lines(item, depth + 1, path, forcing)
        return [DiffLine(depth, sign, "["), *inner, DiffLine(depth, " ", "],")]
    if sign == "~":
        return [DiffLine(depth, "~", f"{scalar(item.old)} -> {scalar(item.new)},")]
    return [DiffLine(depth, sign, f"{scalar(sample)},")]


def _pairs_by_name(old: list[Any], new: list[Any]) -> list[tuple[int | None, int | None]]:
    old_at = {item_name(item): i for i, item in enumerate(old)}
    new_names = {item_name(item) for item in new}
    pairs: list[tuple[int | None, int | None]] = [
        (old_at.get(item_name(item)), j) for j, item in enumerate(new)]
    pairs += [(i, None) for i, item in enumerate(old) if item_name(item) not in new_names]
    return pairs


def _pairs_by_sequence(old: list[Any], new: list[Any]) -> list[tuple[int | None, int | None]]:
    keys_old = [json.dumps(v, sort_keys=True, default=str) for v in old]
    keys_new = [json.dumps(v, sort_keys=True, default=str) for v in new]
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        if tag == "replace" and i2 - i1 == j2 - j1 and all(
                _container(old[i]) for i in range(i1, i2)):
            pairs += list(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        pairs += [(i, None) for i in range(i1, i2)]
        pairs += [(None, j) for j in range(j1, j2)]
    return pairs
