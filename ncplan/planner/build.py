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
from ncplan.diagnostics import Diagnostic
from ncplan.errors import ConfigError, NcplanError
from ncplan.planner.chain_coverage import chain_warnings, chains_of
from ncplan.planner.coverage import coverage_warnings
from ncplan.planner.diff import delete_change, diff_resource
from ncplan.planner.drift import find_drift, live_view, refreshed_state
from ncplan.planner.model import (
    Action,
    Adoption,
    ConfiguredResource,
    Plan,
    PlanMode,
    PlanVariable,
    PlanWarning,
    ResourceChange,
)
from ncplan.planner.ownership import adoption, foreign, foreign_error, object_id, owner_of
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
from ncplan.resources.plain import plain
from ncplan.resources.sidecar_identity import resolve_sidecar_identity
from ncplan.state.model import ResourceState, State


@dataclass(frozen=True)
class PlanRequest:
    """Everything a plan is made from.

    ``refreshed`` is ``None`` under ``--no-refresh``; ``upstreams`` maps each job to the
    names it dials (for the coverage warnings); ``sensitive_values`` are the texts of the
    sensitive variables' values (``Config.sensitive_values()``). ``lineage`` is the
    state's (a new one when there is no state yet): the ownership mark of what it writes.
    """

    desired: tuple[DesiredResource, ...]
    state: State | None = None
    refreshed: Refreshed | None = None
    mode: PlanMode = PlanMode.NORMAL
    targets: tuple[str, ...] = ()
    sensitive_values: frozenset[str] = frozenset()
    upstreams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    chains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # entry files'
    config_digest: str = ""
    lineage: str = ""
    variables: tuple[PlanVariable, ...] = ()
    sidecar_identity: bool = False  # resolved: what ``desired`` was lowered with

    @property
    def owner(self) -> str:
        """The lineage this plan writes as its own."""
        return self.state.lineage if self.state is not None else self.lineage


def request_for(config: Config, state: State | None, refreshed: Refreshed | None, *,
                mode: PlanMode = PlanMode.NORMAL, targets: Sequence[str] = (),
                config_digest: str = "", sidecar_identity: bool | None = None,
                lineage: str = "",
                desired: tuple[DesiredResource, ...] | None = None) -> PlanRequest:
    """The request for ``config``: its lowered resources, upstreams and secrets.
    ``desired`` is the run's one lowering, made with ``sidecar_identity``; without it (a
    caller without a run) ``config`` is lowered here (``sidecar_identity`` ``None``: as
    declared, unset meaning off)."""
    identity = resolve_sidecar_identity(config.defaults.sidecar_identity, None, False) \
        if sidecar_identity is None else sidecar_identity
    return PlanRequest(desired=desired if desired is not None else lower_config(config, identity),
                       state=state, refreshed=refreshed, sidecar_identity=identity,
                       mode=mode, targets=tuple(targets),
                       sensitive_values=config.sensitive_values(),
                       upstreams=upstreams_of(config), chains=chains_of(config),
                       config_digest=config_digest,
                       lineage=lineage, variables=plan_variables(config))


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


IMPORTED = "no ncplan state owns it (made outside ncplan): it is imported, and marked " \
           "with this state's lineage"
RECORDED = ("it carries this state's lineage but the state does not record it (an apply "
            "was stopped before recording it): the state records it")
NOT_LANDED = ("its last write was sent but never answered (recorded as possibly applied), "
              "and did not land: it will be created")
UNRECORDED_DELETE = ("it carries this state's lineage but the state does not record it (an "
                     "apply was stopped before recording it)")


@dataclass
class _Found:
    """What :func:`_changes` finds: the changes, the recorded objects already gone, the
    objects to delete that the state did not record, and the ownership errors."""

    changes: list[ResourceChange] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    unrecorded: list[ResourceState] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)


def _adopted(change: ResourceChange, how: Adoption | None) -> ResourceChange:
    if how is None:
        return change
    reason = IMPORTED if how is Adoption.IMPORT else RECORDED
    return replace(change, adoption=how, import_id=object_id(change.typed_address), reason=reason)


def _desired_change(resource: DesiredResource, recorded: ResourceState | None,
                    request: PlanRequest, found: _Found) -> None:
    refreshed = request.refreshed
    if refreshed is None:
        if request.mode is not PlanMode.DESTROY:
            found.changes.append(diff_resource(resource, recorded, None,
                                               request.sensitive_values))
        return
    owner = owner_of(resource.typed_address, refreshed)
    pending = recorded is not None and recorded.possibly_applied
    if recorded is not None and _create_not_landed(recorded, owner.lineage, request):
        recorded = None  # the mark settles it: whatever is there is not ours
    change = diff_resource(resource, recorded, refreshed, request.sensitive_values)
    if pending and change.action is Action.CREATE:
        change = replace(change, reason=NOT_LANDED)
    if request.mode is PlanMode.DESTROY:  # not recorded (see _changes): ours only if marked
        # (another state's object is not this destroy's business: left alone, no error)
        if owner.exists and owner.lineage == request.owner and change.before is not None:
            record = ResourceState(address=resource.address, kind=resource.kind,
                                   id=resource.name, attributes=plain(change.before),
                                   observed_index=change.observed_index,
                                   dependencies=resource.depends_on)
            found.unrecorded.append(record)
            found.changes.append(replace(delete_change(record, change.observed_index),
                                         reason=UNRECORDED_DELETE, source=resource.source))
        return
    if foreign(owner, request.owner):
        found.errors.append(foreign_error(resource.address, owner, request.owner,
                                          resource.source))
        return
    found.changes.append(_adopted(change, adoption(owner, request.owner,
                                                   recorded is not None)))


def _create_not_landed(recorded: ResourceState, lineage: str | None,
                       request: PlanRequest) -> bool:
    """A create recorded as possibly applied whose object does not carry our mark: it did
    not land (an object there is someone else's)."""
    return recorded.possibly_applied and not recorded.observed_index \
        and lineage != request.owner


def _recorded_change(old: ResourceState, request: PlanRequest, found: _Found) -> None:
    """A recorded object the plan does not want (removed from the configuration, or
    ``--destroy``): deleted at its live index; forgotten when it is already gone."""
    refreshed = request.refreshed
    if refreshed is None:
        found.changes.append(delete_change(old, old.observed_index))
        return
    owner = owner_of(old.typed_address, refreshed)
    live = live_view(old, refreshed)
    if live.body is None or _create_not_landed(old, owner.lineage, request):
        found.forgotten.append(old.address)
    elif foreign(owner, request.owner):
        found.errors.append(foreign_error(old.address, owner, request.owner, None))
    else:
        found.changes.append(delete_change(old, live.index))


def _changes(request: PlanRequest, scope: frozenset[str] | None) -> _Found:
    def wanted(address: str) -> bool:
        return scope is None or address in scope

    recorded = {r.address: r for r in _recorded(request.state)}
    found = _Found()
    if request.mode is PlanMode.REFRESH_ONLY:
        return found
    destroy = request.mode is PlanMode.DESTROY
    desired = {r.address: r for r in request.desired}
    for address, resource in desired.items():
        if wanted(address) and not (destroy and address in recorded):
            _desired_change(resource, recorded.get(address), request, found)
    for address, old in recorded.items():
        if (destroy or address not in desired) and wanted(address):
            _recorded_change(old, request, found)
    return found


def plan_order(changes: Sequence[ResourceChange],
               recorded: Iterable[ResourceState]) -> tuple[tuple[str, ...], ...]:
    """The order the engine follows (:func:`~ncplan.planner.steps.plan_steps`, the same
    graph): ``recorded`` is the state before, whose edges order deletes. An import is a
    write (its mark); a change only recorded has no step."""
    return step_batches(plan_steps(changes, recorded_needs(recorded)))


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
        found += chain_warnings(request.upstreams, request.chains, request.desired,
                                request.refreshed)
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
    found = _changes(request, scope)
    if found.errors:
        raise ConfigError(sorted(found.errors, key=lambda d: d.address))
    recorded = {r.address: r for r in _recorded(state)}
    changes = [_masked(c, request.sensitive_values, recorded.get(c.address), refreshed)
               for c in found.changes]
    changes.sort(key=lambda c: c.address)
    next_state, secrets = None, request.sensitive_values
    if request.mode is PlanMode.REFRESH_ONLY and state is not None and refreshed is not None:
        next_state = refreshed_state(state, refreshed, scope, secrets)
    return Plan(
        mode=request.mode, changes=tuple(changes),
        drift=find_drift(state, refreshed, scope, secrets) if refreshed is not None else (),
        warnings=_warnings(request),
        apply_order=plan_order(changes, [*_recorded(state), *found.unrecorded]),
        prior_state=redacted_state(state, secrets) if state is not None else None,
        lineage=request.owner,
        serial=state.serial if state is not None else 0,
        config_digest=request.config_digest, targets=tuple(request.targets),
        read_live=refreshed is not None, next_state=next_state,
        forgotten=tuple(sorted(found.forgotten)),
        variables=request.variables, configuration=configured(request.desired, secrets),
        sidecar_identity=request.sidecar_identity,
    )

