"""``ncplan plan --json``: Terraform's ``show -json`` plan shape, plus ncplan's own keys.

Terraform's keys, as Terraform fills them: ``format_version``, ``resource_changes[]``
(``address``, ``mode``, ``type``, ``name``, ``provider_name``, ``change`` with
``actions`` spelt as Terraform spells them, ``before``, ``after``, ``after_unknown``,
``before_sensitive``, ``after_sensitive``, ``replace_paths``; ``action_reason`` where
Terraform gives one), ``resource_drift[]`` (same shape), ``prior_state`` (``values.
root_module.resources[]``), ``planned_values`` (the same shape: the resources as they
will be once applied), ``configuration`` (``root_module.resources[]`` with ``address``,
``type``, ``name``, ``expressions`` and ``depends_on``; ``provider_config``),
``variables`` (``{name: {value}}``, a sensitive one's value redacted), ``errored``,
``applyable``, ``complete``. Unlike Terraform,
a sensitive leaf is never written in clear: it is ``"(sensitive value)"`` (see
:mod:`ncplan.planner.redaction`) and marked ``true`` in ``*_sensitive``. ncplan's keys:
``ncplan_version``, ``mode``, ``apply_order``, ``nomad_plans`` (by job), ``warnings``,
``targets``, ``refreshed``. Written with ``json.dumps``, never through Rich.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from ncplan import __version__
from ncplan.address import split_cluster
from ncplan.planner.model import (
    Action,
    ConfiguredResource,
    Drift,
    Plan,
    PlanMode,
    PlanVariable,
    ResourceChange,
)
from ncplan.planner.redaction import MARKER, Mask, hidden_nomad_plan, hide, marker_mask
from ncplan.providers.live import NomadJobPlan
from ncplan.state.model import State
from ncplan.views import plan_lines

FORMAT_VERSION = "1.2"
STATE_FORMAT_VERSION = "1.0"


def provider_name(kind: str) -> str:
    """``nomad_job`` -> ``nomad``: the part of the type before the first underscore."""
    return kind.split("_", 1)[0]


def _sensitive(value: Any, mask: Any) -> Any:
    """Terraform's mirror: ``false`` for an absent value, ``{}`` for a clean object."""
    if value is None:
        return False
    if mask is False and isinstance(value, Mapping):
        return {}
    return mask


def _resource(address: str, kind: str, name: str) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "type": kind, "name": name,
            "provider_name": provider_name(kind)}


def _change_body(action: Action, before: Any, after: Any, before_mask: Mask,
                 after_mask: Mask) -> dict[str, Any]:
    before, after = hide(_plain(before), before_mask), hide(_plain(after), after_mask)
    return {"actions": action.terraform_actions, "before": before, "after": after,
            "after_unknown": {} if after is not None else False,
            "before_sensitive": _sensitive(before, before_mask),
            "after_sensitive": _sensitive(after, after_mask)}


def action_reason(change: ResourceChange, mode: PlanMode) -> str | None:
    """Terraform's ``action_reason`` for the changes it gives one to."""
    if change.action is Action.REPLACE:
        return "replace_because_cannot_update"
    if change.action is Action.DELETE and mode is PlanMode.NORMAL:
        return "delete_because_no_resource_config"
    return None


def resource_change(change: ResourceChange, mode: PlanMode) -> dict[str, Any]:
    entry = _resource(change.address, change.kind, change.name)
    entry["change"] = _change_body(change.action, change.before, change.after,
                                   change.before_sensitive, change.after_sensitive)
    if change.after_unknown is not False:
        entry["change"]["after_unknown"] = change.after_unknown
    if change.replace_paths:
        entry["change"]["replace_paths"] = [[path] for path in change.replace_paths]
    if change.adoption is not None:  # Terraform's shape; ncplan says which adoption
        entry["change"]["importing"] = {"id": change.import_id}
        entry["change"]["ncplan_adoption"] = change.adoption.value
    reason = action_reason(change, mode)
    if reason is not None:
        entry["action_reason"] = reason
    return entry


def forgotten_change(address: str, state: State | None) -> dict[str, Any]:
    """A recorded object already gone: Terraform 1.7's ``"actions": ["forget"]``. The
    state holds its sensitive values redacted: the markers are what is masked."""
    kind, _, name = address.partition(".")
    entry = _resource(address, kind, name)
    recorded = state.resource(address) if state is not None else None
    before = _plain(recorded.attributes) if recorded is not None else None
    entry["change"] = _change_body(Action.NOOP, before, None, marker_mask(before), False)
    entry["change"]["actions"] = ["forget"]
    entry["action_reason"] = "forget_because_deleted_outside"
    return entry


def resource_drift(drift: Drift) -> dict[str, Any]:
    entry = _resource(drift.address, drift.kind, drift.name)
    entry["change"] = _change_body(drift.action, drift.before, drift.after,
                                   drift.before_sensitive, drift.after_sensitive)
    return entry


def prior_state(state: State | None) -> dict[str, Any] | None:
    """The state as Terraform's ``prior_state``: ``values.root_module.resources[]``. The
    state holds its sensitive values redacted: ``sensitive_values`` marks the markers."""
    if state is None:
        return None
    resources = []
    for resource in state.resources:
        typed = resource.typed_address
        entry = _resource(resource.address, typed.kind, typed.name)
        values = _plain(resource.attributes)
        entry.update({"schema_version": 0, "values": values,
                      "sensitive_values": _sensitive(values, marker_mask(values)),
                      "depends_on": list(resource.dependencies)})
        resources.append(entry)
    return {"format_version": STATE_FORMAT_VERSION, "ncplan_version": state.ncplan_version,
            "serial": state.serial, "lineage": state.lineage,
            "values": {"root_module": {"resources": resources}}}


def _values_entry(address: str, kind: str, name: str, values: Any,
                  mask: Mask) -> dict[str, Any]:
    """One resource of a ``values`` document (``planned_values``), what ``mask`` marks
    hidden."""
    entry = _resource(address, kind, name)
    shown = hide(_plain(values), mask)
    entry.update({"schema_version": 0, "values": shown,
                  "sensitive_values": _sensitive(shown, mask)})
    return entry


def _recorded_entry(address: str, values: Any) -> dict[str, Any]:
    """A resource as the state holds it: its sensitive values already redacted, so the
    markers are what is masked."""
    kind, _, name = address.partition(".")
    values = _plain(values)
    return _values_entry(address, kind, name, values, marker_mask(values))


def planned_values(plan: Plan) -> dict[str, Any]:
    """The resources as they will be once the plan is applied, in ``prior_state``'s shape:
    each change's ``after`` with the plan's mask (a delete leaves nothing), and the
    recorded resources the plan does not touch (a targeted plan) as the state holds them;
    ``--refresh-only``: the refreshed state."""
    if plan.next_state is not None:
        return {"root_module": {"resources": [
            _recorded_entry(r.address, r.attributes) for r in plan.next_state.resources]}}
    resources = [_values_entry(c.address, c.kind, c.name, c.after, c.after_sensitive)
                 for c in plan.changes
                 if c.action is not Action.DELETE and c.after is not None]
    changed = {change.address for change in plan.changes} | set(plan.forgotten)
    recorded = plan.prior_state.resources if plan.prior_state is not None else ()
    if plan.mode is not PlanMode.DESTROY:
        resources += [_recorded_entry(r.address, r.attributes) for r in recorded
                      if r.address not in changed]
    resources.sort(key=lambda r: r["address"])
    return {"root_module": {"resources": resources}}


def configured_resource(resource: ConfiguredResource) -> dict[str, Any]:
    """One declared resource: each top-level attribute of its body as a constant
    expression (the planner redacted its sensitive values)."""
    entry = _resource(resource.address, resource.kind, resource.name)
    del entry["provider_name"]
    entry["provider_config_key"] = provider_name(resource.kind)
    values = _plain(resource.values)
    entry["expressions"] = {key: {"constant_value": value} for key, value in values.items()}
    entry["schema_version"] = 0
    if resource.depends_on:
        entry["depends_on"] = list(resource.depends_on)
    return entry


def configuration(plan: Plan) -> dict[str, Any]:
    """Terraform's ``configuration``: the providers and the declared resources."""
    providers = sorted({provider_name(r.kind) for r in plan.configuration}
                       | {provider_name(c.kind) for c in plan.changes})
    return {"provider_config": {p: {"name": p, "full_name": f"ncplan/{p}"}
                                for p in providers},
            "root_module": {"resources": [configured_resource(r)
                                          for r in plan.configuration]}}


def variables(plan_variables: tuple[PlanVariable, ...]) -> dict[str, Any]:
    """``{name: {"value": ...}}``; a sensitive variable's value is the marker (the planner
    gave it none, and redacted the others' values)."""
    return {v.name: {"value": MARKER if v.sensitive else _plain(v.value)}
            for v in plan_variables}


def nomad_plan(plan: NomadJobPlan, mask: Mask) -> dict[str, Any]:
    """Nomad's answer: diff type and diff (what ``mask`` marks hidden), annotations by
    group, placement failures."""
    shown = hidden_nomad_plan(plan, mask)
    assert shown is not None
    annotations = {a.group: {k: v for k, v in asdict(a).items() if k != "group"}
                   for a in shown.annotations}
    return {"diff_type": shown.diff_type, "diff": _plain(shown.diff),
            "annotations": annotations,
            "failures": [_plain(asdict(f)) for f in shown.failures],
            "job_modify_index": shown.job_modify_index,
            "warnings": shown.warnings}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The whole ``--json`` document as a dict."""
    jobs = {c.name: nomad_plan(c.nomad_plan, c.nomad_plan_sensitive) for c in plan.changes
            if c.nomad_plan is not None}
    return with_clusters({
        "format_version": FORMAT_VERSION,
        "ncplan_version": __version__,
        "mode": plan.mode.value,
        "resource_changes": [resource_change(c, plan.mode) for c in plan.changes]
        + [forgotten_change(a, plan.prior_state) for a in plan.forgotten],
        "resource_drift": [resource_drift(d) for d in plan.drift],
        "prior_state": prior_state(plan.prior_state),
        "planned_values": planned_values(plan),
        "configuration": configuration(plan),
        "variables": variables(plan.variables),
        "errored": False,  # a plan that fails is an error (exit 1), never a document
        "applyable": not plan.is_empty(),
        "complete": not plan.targets,
        "apply_order": [list(batch) for batch in plan.apply_order],
        "nomad_plans": jobs,
        "warnings": [{"summary": w.summary, "address": w.address, "detail": w.detail}
                     for w in plan.warnings],
        "targets": list(plan.targets),
        "refreshed": plan.read_live,
    }, plan)


def with_clusters(document: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """With cluster blocks: each resource change's ``cluster``, and ``clusters``, the
    changes grouped by cluster with their counts (a plan without them is unchanged)."""
    groups = plan_lines.cluster_groups(plan)
    if not groups:
        return document
    for change in document["resource_changes"]:
        change["cluster"] = split_cluster(change["address"])[1]
    document["clusters"] = {
        group.name: dict(zip(("add", "change", "destroy"), group.counts, strict=True),
                         resource_changes=[c.address for c in group.changes])
        for group in groups}
    return document


def dump_plan(plan: Plan) -> str:
    """The document as text: sorted keys, indent 2, a final newline."""
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
