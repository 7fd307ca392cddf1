"""Build a :class:`Plan` from the configuration, the state and a refresh. Pure.

The single entry point of the planner: per address, :mod:`.diff` says what to do,
:mod:`.drift` what changed outside ncplan, :mod:`.targets` narrows a ``--target`` plan,
:mod:`.coverage` adds the intention warnings and :mod:`.sensitive` marks secrets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.planner.coverage import coverage_warnings
from ncplan.planner.diff import delete_change, diff_resource
from ncplan.planner.drift import find_drift, live_view, refreshed_state
from ncplan.planner.model import (
    Action,
    ConfiguredResource,
    Plan,
    PlanMode,
    PlanVariable,
    PlanWarning,
    ResourceChange,
)
from ncplan.planner.redaction import redact
from ncplan.planner.sensitive import merge_masks, secret_item_mask, sensitive_mask
from ncplan.planner.targets import TARGETING_WARNING, target_addresses
from ncplan.providers.live import Refreshed
from ncplan.resources.dependencies import upstreams_of
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.resources.graph import ResourceGraph
from ncplan.resources.plain import plain
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
    variables: tuple[PlanVariable, ...] = ()


def request_for(config: Config, state: State | None, refreshed: Refreshed | None, *,
                mode: PlanMode = PlanMode.NORMAL, targets: Sequence[str] = (),
                config_digest: str = "", sidecar_identity: bool | None = None) -> PlanRequest:
    """The request for ``config``: its lowered resources (``sidecar_identity``: resolved,
    see :func:`~ncplan.resources.desired.lower_config`), upstreams and secrets."""
    return PlanRequest(desired=lower_config(config, sidecar_identity), state=state,
                       refreshed=refreshed,
                       mode=mode, targets=tuple(targets),
                       sensitive_values=config.sensitive_values(),
                       upstreams=upstreams_of(config), config_digest=config_digest,
                       variables=plan_variables(config))


def plan_variables(config: Config) -> tuple[PlanVariable, ...]:
    """The configuration's variables, by name; a sensitive one without its value, and
    any other value holding a sensitive one's text redacted."""
    secrets = config.sensitive_values()
    return tuple(PlanVariable(name=v.name, sensitive=v.sensitive,
                              value=None if v.sensitive else redact(plain(v.value), secrets))
                 for v in sorted(config.variables.values(), key=lambda v: v.name))


def configured(desired: Iterable[DesiredResource],
               secrets: frozenset[str]) -> tuple[ConfiguredResource, ...]:
    """The declared resources, by address (Terraform's ``configuration``), each value
    holding a sensitive variable's text redacted: the plan never carries a secret it need
    not apply."""
    return tuple(ConfiguredResource(address=r.address, kind=r.kind, name=r.name,
                                    values=redact(plain(r.body), secrets),
                                    depends_on=r.depends_on)
                 for r in sorted(desired, key=lambda r: r.address))


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


def _batches(graph: ResourceGraph, keep: set[str], *, reverse: bool) -> list[tuple[str, ...]]:
    order = graph.destroy_order() if reverse else graph.apply_order()
    batches = [tuple(a for a in batch if a in keep) for batch in order]
    return [b for b in batches if b]


def plan_order(changes: Sequence[ResourceChange],
               recorded: Iterable[ResourceState]) -> tuple[tuple[str, ...], ...]:
    """Creates, updates and replaces in dependency order, then the deletes in reverse
    dependency order (as the state recorded it), so nothing goes before what it needs."""
    writes = {c.address for c in changes if c.action in (Action.CREATE, Action.UPDATE,
                                                          Action.REPLACE)}
    deletes = {c.address for c in changes if c.action is Action.DELETE}
    forward = ResourceGraph({c.address: c.depends_on for c in changes})
    known = {r.address for r in recorded}
    backward = ResourceGraph({r.address: tuple(d for d in r.dependencies if d in known)
                              for r in recorded})
    return tuple(_batches(forward, writes, reverse=False)
                 + _batches(backward, deletes, reverse=True))


def _masked(change: ResourceChange, secrets: frozenset[str]) -> ResourceChange:
    """The change with its sensitive masks, and its unknown mask: a variable's items are
    secret, and written only by apply (their value is known after it)."""
    kind = change.kind
    secret_items = secret_item_mask(kind, change.after)
    written = change.action in (Action.CREATE, Action.UPDATE, Action.REPLACE)
    return replace(change,
                   before_sensitive=merge_masks(sensitive_mask(change.before, secrets),
                                                secret_item_mask(kind, change.before)),
                   after_sensitive=merge_masks(sensitive_mask(change.after, secrets),
                                               secret_items),
                   after_unknown=secret_items if written else False)


def _warnings(request: PlanRequest) -> tuple[PlanWarning, ...]:
    found: list[PlanWarning] = [TARGETING_WARNING] if request.targets else []
    if request.mode is PlanMode.NORMAL:
        found += coverage_warnings(request.upstreams, request.desired, request.refreshed)
    return tuple(found)


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
    changes = [_masked(c, request.sensitive_values) for c in _changes(request, scope)]
    changes.sort(key=lambda c: c.address)
    next_state, secrets = None, request.sensitive_values
    if request.mode is PlanMode.REFRESH_ONLY and state is not None and refreshed is not None:
        next_state = refreshed_state(state, refreshed, scope, secrets)
    return Plan(
        mode=request.mode, changes=tuple(changes),
        drift=find_drift(state, refreshed, scope, secrets) if refreshed is not None else (),
        warnings=_warnings(request), apply_order=plan_order(changes, _recorded(state)),
        prior_state=state, lineage=state.lineage if state is not None else "",
        serial=state.serial if state is not None else 0,
        config_digest=request.config_digest, targets=tuple(request.targets),
        refreshed=refreshed is not None, next_state=next_state,
        variables=request.variables, configuration=configured(request.desired, secrets),
    )

