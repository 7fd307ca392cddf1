"""Drift: live objects that differ from what the state recorded. Pure.

"Objects have changed outside of ncplan": a job someone re-ran, stopped or purged, an
intention or service-defaults entry edited or deleted in the UI. Each is a
:class:`Drift` with the recorded value as ``before`` and the live one (as ncplan manages
it) as ``after``. :func:`refreshed_state` is what ``--refresh-only`` writes: the state with
live values and indexes, the resources deleted outside removed.
"""

from __future__ import annotations

from dataclasses import replace

from ncplan.kinds.base import LiveView as LiveView
from ncplan.kinds.registry import kind_at
from ncplan.planner.model import Action, Drift
from ncplan.planner.redaction import (
    carry,
    change_masks,
    hide,
    marker_mask,
    mask_of,
    merge_masks,
    nomad_plan_mask,
    restore,
    secret_item_mask,
)
from ncplan.providers.live import Refreshed
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState, State


def live_view(recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    """The recorded resource's live counterpart, as its kind reduces it."""
    kind, address = kind_at(recorded.address)
    return kind.live_view(address, recorded, refreshed)


def drift_of(recorded: ResourceState, refreshed: Refreshed,
             secrets: frozenset[str] = frozenset()) -> Drift | None:
    """How one recorded resource drifted, or ``None`` when live matches the state (whose
    redacted sensitive values are taken as the live ones wherever those hold a secret)."""
    if recorded.possibly_applied:  # not drift: the plan settles it by the ownership mark
        return None
    found = _drift_of(recorded, refreshed, secrets)
    if found is None:
        return None
    kind = found.kind
    before, after = change_masks(found.before, found.after, secrets,
                                 recorded=recorded.attributes,
                                 always=(secret_item_mask(kind, found.before),
                                         secret_item_mask(kind, found.after)))
    return replace(found, before_sensitive=before, after_sensitive=after,
                   nomad_plan_sensitive=nomad_plan_mask(found.nomad_plan, secrets,
                                                        (found.before, before),
                                                        (found.after, after)))


def _drift_of(recorded: ResourceState, refreshed: Refreshed,
              secrets: frozenset[str]) -> Drift | None:
    live = live_view(recorded, refreshed)
    if live.body is not None:
        recorded = replace(recorded, attributes=restore(recorded.attributes, live.body, secrets))
    common = {"address": recorded.address, "kind": recorded.kind,
              "name": kind_at(recorded.address)[1].name,
              "before": plain(recorded.attributes)}
    if live.body is None:
        return Drift(action=Action.DELETE, reason="deleted outside ncplan", **common)
    found = kind_at(recorded.address)[0].drift(recorded, live, refreshed)
    if found is None:
        return None
    return Drift(action=Action.UPDATE, after=found.after, reason=found.reason,
                 nomad_plan=found.nomad_plan, **common)


def find_drift(state: State | None, refreshed: Refreshed,
               addresses: frozenset[str] | None = None,
               secrets: frozenset[str] = frozenset()) -> tuple[Drift, ...]:
    """The drift of every recorded resource (of ``addresses`` only, when given)."""
    if state is None:
        return ()
    found = (drift_of(r, refreshed, secrets) for r in state.resources
             if addresses is None or r.address in addresses)
    return tuple(d for d in found if d is not None)


def refreshed_state(state: State, refreshed: Refreshed,
                    addresses: frozenset[str] | None = None,
                    secrets: frozenset[str] = frozenset()) -> State:
    """The state a refresh-only apply writes: live values and indexes (same lineage and
    serial; the writer bumps the serial), each value redacted that holds one of
    ``secrets`` or sits where the state held one redacted (a secret of an earlier apply).
    Resources deleted outside ncplan are dropped; resources outside ``addresses`` (when
    given) are kept as recorded."""
    kept: list[ResourceState] = []
    for recorded in state.resources:
        if addresses is not None and recorded.address not in addresses:
            kept.append(recorded)
            continue
        live = live_view(recorded, refreshed)
        if live.body is not None:
            held = carry(marker_mask(recorded.attributes), recorded.attributes, live.body)
            shown = hide(live.body, merge_masks(mask_of(live.body, secrets), held))
            kept.append(replace(recorded, attributes=shown, observed_index=live.index))
    return state.with_resources(kept)
