"""Build a :class:`Plan` from the configuration, the state and a refresh. Pure.

The single entry point of the planner: per address, :mod:`.diff` says what to do,
:mod:`.drift` what changed outside ncplan, :mod:`.targets` narrows a ``--target`` plan,
:mod:`.coverage` adds the intention warnings and :mod:`.sensitive` marks secrets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.planner.coverage import coverage_warnings
from ncplan.planner.diff import delete_change, diff_resource
from ncplan.planner.drift import find_drift, live_view, refreshed_state
from ncplan.planner.model import Action, Plan, PlanMode, PlanWarning, ResourceChange
from ncplan.planner.redaction import (
    Mask,
    carry,
    change_masks,
    marker_mask,
    nomad_plan_mask,
    redact,
    redacted_state,
    secret_item_mask,
)
from ncplan.planner.steps import plan_steps, recorded_needs, step_batches
from ncplan.planner.targets import TARGETING_WARNING, target_addresses
from ncplan.providers.live import Refreshed
from ncplan.resources.dependencies import upstreams_of
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.state.model import ResourceState, State


@dataclass(frozen=True)
class PlanRequest:
    """Everything a plan is made from.

    ``refreshed`` is ``None`` under ``--no-refresh``; ``upstreams`` maps each job to the
    names it dials (for the coverage warnings); ``sensitive_values`` are the texts of the
    sensitive variables' values (``Config.sensitive_values()``).
    """

    desired: tuple[DesiredResource, ...]
    state: State | None = None
    refreshed: Refreshed | None = None
    mode: PlanMode = PlanMode.NORMAL
    targets: tuple[str, ...] = ()
    sensitive_values: frozenset[str] = frozenset()
    upstreams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    config_digest: str = ""


def request_for(config: Config, state: State | None, refreshed: Refreshed | None, *,
                mode: PlanMode = PlanMode.NORMAL, targets: Sequence[str] = (),
                config_digest: str = "", sidecar_identity: bool | None = None) -> PlanRequest:
    """The request for ``config``: its lowered resources (``sidecar_identity``: resolved,
    see :func:`~ncplan.resources.desired.lower_config`), upstreams and secrets."""
    return PlanRequest(desired=lower_config(config, sidecar_identity), state=state,
                       refreshed=refreshed,
                       mode=mode, targets=tuple(targets),
                       sensitive_values=config.sensitive_values(),
                       upstreams=upstreams_of(config), config_digest=config_digest)


def _recorded(state: State | None) -> tuple[ResourceState, ...]:
    return state.resources if state is not None else ()


def known_needs(request: PlanRequest) -> dict[str, tuple[str, ...]]:
    """Every address of the configuration and the state -> the addresses it needs."""
    needs: dict[str, tuple[str, ...]] = {}
    for recorded in _recorded(request.state):
        needs[recorded.address] = recorded.dependencies
    for resource in request.desired:
        needs[resource.address] = tuple(dict.fromkeys(
            [*resource.depends_on, *needs.get(resource.address, ())]))
    return needs


def _delete(recorded: ResourceState, refreshed: Refreshed | None) -> ResourceChange | None:
    """The delete of ``recorded`` at its live index; None when it was deleted outside
    ncplan (the drift reports it, there is nothing left to delete)."""
    if refreshed is None:
        return delete_change(recorded, recorded.observed_index)
    live = live_view(recorded, refreshed)
    return None if live.body is None else delete_change(recorded, live.index)


def _changes(request: PlanRequest, scope: frozenset[str] | None) -> list[ResourceChange]:
    def wanted(address: str) -> bool:
        return scope is None or address in scope

    recorded = {r.address: r for r in _recorded(request.state)}
    if request.mode is PlanMode.REFRESH_ONLY:
        return []
    changes = []
    desired = {} if request.mode is PlanMode.DESTROY else {
        r.address: r for r in request.desired}
    for address, resource in desired.items():
        if wanted(address):
            changes.append(diff_resource(resource, recorded.get(address), request.refreshed,
                                         request.sensitive_values))
    for address, old in recorded.items():
        if address not in desired and wanted(address):
            delete = _delete(old, request.refreshed)
            if delete is not None:
                changes.append(delete)
    return changes


def plan_order(changes: Sequence[ResourceChange],
               recorded: Iterable[ResourceState]) -> tuple[tuple[str, ...], ...]:
    """The order the engine follows (:func:`~ncplan.planner.steps.plan_steps`, the same
    graph): ``recorded`` is the state before, whose edges order deletes."""
    actionable = [c for c in changes if c.action is not Action.NOOP]
    return step_batches(plan_steps(actionable, recorded_needs(recorded)))


def _old_secrets(recorded: ResourceState | None,
                 refreshed: Refreshed | None) -> tuple[Any, Mask]:
    """``(value, mask)``: the live object as the state recorded it, masked where the state
    holds a value redacted (a secret of an earlier apply, maybe at a path the
    configuration dropped: Nomad's diff still shows its old value)."""
    if recorded is None or refreshed is None:
        return (None, False)
    seen = live_view(recorded, refreshed).body
    return (seen, carry(marker_mask(recorded.attributes), recorded.attributes, seen))


def _masked(change: ResourceChange, secrets: frozenset[str],
            recorded: ResourceState | None, refreshed: Refreshed | None) -> ResourceChange:
    """The change with its sensitive masks (both sides, and Nomad's plan: see
    :func:`~ncplan.planner.redaction.change_masks`), and its unknown mask: a variable's
    items are secret, and written only by apply (their value is known after it)."""
    kind = change.kind
    secret_items = secret_item_mask(kind, change.after)
    written = change.action in (Action.CREATE, Action.UPDATE, Action.REPLACE)
    before, after = change_masks(
        change.before, change.after, secrets,
        recorded=recorded.attributes if recorded is not None else None,
        always=(secret_item_mask(kind, change.before), secret_items))
    return replace(change, before_sensitive=before, after_sensitive=after,
                   nomad_plan_sensitive=nomad_plan_mask(
                       change.nomad_plan, secrets, (change.before, before),
                       (change.after, after), _old_secrets(recorded, refreshed)),
                   after_unknown=secret_items if written else False)


def _warnings(request: PlanRequest) -> tuple[PlanWarning, ...]:
    found: list[PlanWarning] = [TARGETING_WARNING] if request.targets else []
    if request.mode is PlanMode.NORMAL:
        found += coverage_warnings(request.upstreams, request.desired, request.refreshed)
    secrets = request.sensitive_values
    return tuple(replace(w, summary=redact(w.summary, secrets), detail=redact(w.detail, secrets))
                 for w in found)


def build_plan(request: PlanRequest) -> Plan:
    """The plan for ``request``; raises NcplanError for an unknown target, or for
    ``--refresh-only`` without a refresh."""
    if request.mode is PlanMode.REFRESH_ONLY and request.refreshed is None:
        raise NcplanError("--refresh-only needs a refresh; it cannot be combined with "
                          "--no-refresh")
    scope = None
    if request.targets:
        scope = target_addresses(request.targets, known_needs(request),
                                 destroy=request.mode is PlanMode.DESTROY)
    state, refreshed = request.state, request.refreshed
    recorded = {r.address: r for r in _recorded(state)}
    changes = [_masked(c, request.sensitive_values, recorded.get(c.address), refreshed)
               for c in _changes(request, scope)]
    changes.sort(key=lambda c: c.address)
    next_state, secrets = None, request.sensitive_values
    if request.mode is PlanMode.REFRESH_ONLY and state is not None and refreshed is not None:
        next_state = refreshed_state(state, refreshed, scope, secrets)
    return Plan(
        mode=request.mode, changes=tuple(changes),
        drift=find_drift(state, refreshed, scope, secrets) if refreshed is not None else (),
        warnings=_warnings(request), apply_order=plan_order(changes, _recorded(state)),
        prior_state=redacted_state(state, secrets) if state is not None else None,
        lineage=state.lineage if state is not None else "",
        serial=state.serial if state is not None else 0,
        config_digest=request.config_digest, targets=tuple(request.targets),
        refreshed=refreshed is not None, next_state=next_state,
    )

