"""How kinds compare desired, recorded and live values. Pure.

The JSON-exact comparison every kind uses (:func:`differs`), the reasons a change gives,
and the comparison of a Consul object whose live value is projected onto the keys ncplan
sets (:func:`consul_verdict`), shared by the Consul kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ncplan.kinds.base import Action, Drifted, LiveView, Verdict
from ncplan.kinds.base import plain_body as plain_body  # where the kinds found it first
from ncplan.kinds.managed import project
from ncplan.resources.plain import SCALARS, is_mapping, plain
from ncplan.state.model import ResourceState

STOPPED = "stopped outside ncplan; it will be started again"
DELETED = "deleted outside ncplan; it will be created again"
ADOPTED = "exists in {where} but not in the state; ncplan will adopt it"


def differs(before: Any, after: Any) -> bool:
    """Whether two JSON-shaped values differ: a key, a value, a list's order, or a type
    (``1`` is not ``1.0``, ``true`` is not ``1``, as JSON and the state file keep them).
    Any mapping is a dict and a tuple a list here (their :func:`plain` copies are
    compared), without copying them."""
    return not _same(before, after)


def _same(a: Any, b: Any) -> bool:
    kind, other = type(a), type(b)
    if kind in SCALARS or other in SCALARS:
        return kind is other and bool(a == b)
    if is_mapping(a):
        if not is_mapping(b):
            return False
        if a.keys() != b.keys():  # keys of other types than str: as plain copies them
            return _same_plain(plain(a), plain(b))
        return all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(_same, a, b))
    return _same_plain(plain(a), plain(b))


def _same_plain(a: Any, b: Any) -> bool:
    """:func:`_same` of plain copies: exact types, dicts by key, lists in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_plain(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same_plain, a, b))
    return bool(a == b)


def replace_reason(paths: tuple[str, ...]) -> str:
    return ", ".join(f"{p.lower()} changes" for p in paths) + "; it cannot change in place"


def consul_verdict(recorded: ResourceState | None, before: Mapping[str, Any] | None,
                   after: Mapping[str, Any], index: int) -> Verdict:
    """A Consul object's verdict: created when absent (an intention's destination entry
    may exist with other sources: its index is kept), else updated when its managed keys
    differ, adopted when the state does not record it."""
    if before is None:
        return Verdict(Action.CREATE, after=after, observed_index=index,
                       reason=DELETED if recorded is not None else "")
    action = Action.UPDATE if differs(before, after) else Action.NOOP
    reason = ADOPTED.format(where="Consul") if recorded is None else ""
    return Verdict(action, before=before, after=after, observed_index=index, reason=reason)


class LiveObject(Protocol):
    """A live object read whole: its body and its index."""

    @property
    def body(self) -> Mapping[str, Any]: ...

    @property
    def modify_index(self) -> int: ...


def entry_verdict(recorded: ResourceState | None, after: Mapping[str, Any],
                  live: LiveObject | None) -> Verdict:
    """A whole Consul object (not one source of an entry): the keys ncplan sets."""
    if live is None:
        return consul_verdict(recorded, None, after, 0)
    return consul_verdict(recorded, project(live.body, after), after, live.modify_index)


def whole_view(recorded: ResourceState, live: LiveObject | None) -> LiveView:
    """A whole live object as ncplan manages it: projected onto what the state recorded."""
    if live is None:
        return LiveView(None)
    return LiveView(project(live.body, recorded.attributes), live.modify_index)


def plain_drift(recorded: ResourceState, live: LiveView, refreshed: object) -> Drifted | None:
    """Changed outside ncplan when the managed keys differ from what the state recorded."""
    if live.body is None or not differs(recorded.attributes, live.body):
        return None
    return Drifted(after=live.body)
