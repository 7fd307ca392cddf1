"""Drift: live objects that differ from what the state recorded. Pure.

"Objects have changed outside of ncplan": a job someone re-ran, stopped or purged, an
intention or service-defaults entry edited or deleted in the UI. Each is a
:class:`Drift` with the recorded value as ``before`` and the live one (as ncplan manages
it) as ``after``. :func:`refreshed_state` is what ``--refresh-only`` writes: the state with
live values and indexes, the resources deleted outside removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ncplan.planner.diff import differs, live_source
from ncplan.planner.managed import project
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
from ncplan.providers.live import (
    LiveJob,
    LiveServiceDefaults,
    LiveToken,
    LiveVariable,
    NomadJobPlan,
    Refreshed,
)
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState, State


@dataclass(frozen=True)
class LiveView:
    """A recorded resource's live counterpart, reduced to what ncplan manages.

    ``body`` is ``None`` when the object is gone; ``stopped`` for a job stopped outside.
    """

    body: Mapping[str, Any] | None
    index: int = 0
    stopped: bool = False


def live_view(recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    address = recorded.typed_address
    if address.kind == "consul_intention":
        entry = refreshed.intentions.get(address.destination)
        found = live_source(entry, address.source)
        return LiveView(found, entry.modify_index if entry is not None and found else 0)
    objects: Mapping[str, LiveJob | LiveServiceDefaults | LiveToken | LiveVariable | None] = {
        "nomad_job": refreshed.jobs, "consul_acl_token": refreshed.acl_tokens,
        "nomad_variable": refreshed.variables,
    }.get(address.kind, refreshed.service_defaults)
    live = objects.get(address.name)
    if live is None:
        return LiveView(None)
    return LiveView(project(live.body, recorded.attributes), live.modify_index,
                    isinstance(live, LiveJob) and live.stopped)


def _job_drift(recorded: ResourceState, live: LiveView,
               refreshed: Refreshed) -> tuple[str, NomadJobPlan | None] | None:
    """``(reason, Nomad's plan of the recorded job)`` when the job changed outside."""
    if live.stopped:
        return "stopped outside ncplan", None
    if live.index == recorded.observed_index:
        return None
    plan = refreshed.drift_plans.get(recorded.typed_address.name)
    if plan is not None:
        return (None if plan.changes_nothing else ("changed outside ncplan", plan))
    return ("changed outside ncplan", None) if differs(recorded.attributes, live.body) else None


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
              "name": recorded.typed_address.name,
              "before": plain(recorded.attributes)}
    if live.body is None:
        return Drift(action=Action.DELETE, reason="deleted outside ncplan", **common)
    if recorded.kind == "nomad_job":
        found = _job_drift(recorded, live, refreshed)
        if found is None:
            return None
        reason, plan = found
        after = {**live.body, "Stop": True} if live.stopped else live.body
        return Drift(action=Action.UPDATE, after=after, reason=reason, nomad_plan=plan,
                     **common)
    if not differs(recorded.attributes, live.body):
        return None
    return Drift(action=Action.UPDATE, after=live.body, reason="changed outside ncplan",
                 **common)


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
