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
from ncplan.planner.model import (
    Action,
    ConfiguredResource,
    Drift,
    Plan,
    PlanMode,
    PlanVariable,
    ResourceChange,
)
from ncplan.planner.redaction import MARKER, redact, redacted_mask
from ncplan.planner.sensitive import merge_masks, secret_item_mask
from ncplan.providers.live import NomadJobPlan
from ncplan.state.model import State
from ncplan.views.attribute_diff import mask_of, sensitive_leaves
from ncplan.views.plan_lines import plan_secrets

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


def _redacted(value: Any, mask: Any, secrets: frozenset[str]) -> tuple[Any, Any]:
    """``value`` with its sensitive leaves redacted, and its mask (``True`` at each)."""
    shown = redact(_plain(value), secrets | sensitive_leaves(value, mask))
    return shown, merge_masks(mask, redacted_mask(shown))


def _change_body(action: Action, before: Any, after: Any, before_mask: Any,
                 after_mask: Any, secrets: frozenset[str]) -> dict[str, Any]:
    before, before_mask = _redacted(before, before_mask, secrets)
    after, after_mask = _redacted(after, after_mask, secrets)
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


def importing(change: ResourceChange) -> dict[str, Any] | None:
    """Terraform's ``change.importing`` (``{"id": ID}``) for a resource the plan adopts;
    ``None`` for every other change (the planner marks no import yet)."""
    return None


def resource_change(change: ResourceChange, mode: PlanMode,
                    secrets: frozenset[str]) -> dict[str, Any]:
    entry = _resource(change.address, change.kind, change.name)
    before_mask = change.before_sensitive or mask_of(change.before, secrets)
    after_mask = change.after_sensitive or mask_of(change.after, secrets)
    entry["change"] = _change_body(change.action, change.before, change.after,
                                   before_mask, after_mask, secrets)
    if change.after_unknown is not False:
        entry["change"]["after_unknown"] = change.after_unknown
    imported = importing(change)
    if imported is not None:
        entry["change"]["importing"] = imported
    if change.replace_paths:
        entry["change"]["replace_paths"] = [[path] for path in change.replace_paths]
    reason = action_reason(change, mode)
    if reason is not None:
        entry["action_reason"] = reason
    return entry


def resource_drift(drift: Drift, secrets: frozenset[str]) -> dict[str, Any]:
    entry = _resource(drift.address, drift.kind, drift.name)
    entry["change"] = _change_body(drift.action, drift.before, drift.after,
                                   mask_of(drift.before, secrets), mask_of(drift.after, secrets),
                                   secrets)
    return entry


def prior_state(state: State | None, secrets: frozenset[str]) -> dict[str, Any] | None:
    """The state as Terraform's ``prior_state``: ``values.root_module.resources[]``."""
    if state is None:
        return None
    resources = []
    for resource in state.resources:
        kind, _, name = resource.address.partition(".")
        entry = _resource(resource.address, kind, name)
        values, mask = _redacted(resource.attributes, mask_of(resource.attributes, secrets),
                                 secrets)
        entry.update({"schema_version": 0, "values": values,
                      "sensitive_values": _sensitive(values, mask),
                      "depends_on": list(resource.dependencies)})
        resources.append(entry)
    return {"format_version": STATE_FORMAT_VERSION, "ncplan_version": state.ncplan_version,
            "serial": state.serial, "lineage": state.lineage,
            "values": {"root_module": {"resources": resources}}}


def _values_entry(address: str, kind: str, name: str, values: Any, mask: Any,
                  secrets: frozenset[str]) -> dict[str, Any]:
    """One resource of a ``values`` document (``prior_state``, ``planned_values``)."""
    entry = _resource(address, kind, name)
    shown, mask = _redacted(values, merge_masks(mask, secret_item_mask(kind, values)),
                            secrets)
    entry.update({"schema_version": 0, "values": shown,
                  "sensitive_values": _sensitive(shown, mask)})
    return entry


def planned_values(plan: Plan, secrets: frozenset[str]) -> dict[str, Any]:
    """The resources as they will be once the plan is applied, in ``prior_state``'s shape:
    each change's ``after`` (a delete leaves nothing), and the recorded resources the plan
    does not touch (a targeted plan) as the state holds them; ``--refresh-only``: the
    refreshed state."""
    resources = []
    if plan.next_state is not None:
        for resource in plan.next_state.resources:
            kind, _, name = resource.address.partition(".")
            resources.append(_values_entry(resource.address, kind, name, resource.attributes,
                                           mask_of(resource.attributes, secrets), secrets))
        return {"root_module": {"resources": resources}}
    for change in plan.changes:
        if change.action is not Action.DELETE and change.after is not None:
            mask = change.after_sensitive or mask_of(change.after, secrets)
            resources.append(_values_entry(change.address, change.kind, change.name,
                                           change.after, mask, secrets))
    changed = {change.address for change in plan.changes}
    recorded = plan.prior_state.resources if plan.prior_state is not None else ()
    for resource in recorded:
        if resource.address not in changed and plan.mode is not PlanMode.DESTROY:
            kind, _, name = resource.address.partition(".")
            resources.append(_values_entry(resource.address, kind, name, resource.attributes,
                                           mask_of(resource.attributes, secrets), secrets))
    resources.sort(key=lambda r: r["address"])
    return {"root_module": {"resources": resources}}


def configured_resource(resource: ConfiguredResource,
                        secrets: frozenset[str]) -> dict[str, Any]:
    """One declared resource: each top-level attribute of its body as a constant
    expression, its sensitive leaves redacted."""
    values, _ = _redacted(resource.values, merge_masks(
        mask_of(resource.values, secrets), secret_item_mask(resource.kind, resource.values)),
        secrets)
    entry = _resource(resource.address, resource.kind, resource.name)
    del entry["provider_name"]
    entry["provider_config_key"] = provider_name(resource.kind)
    entry["expressions"] = {key: {"constant_value": value} for key, value in values.items()}
    entry["schema_version"] = 0
    if resource.depends_on:
        entry["depends_on"] = list(resource.depends_on)
    return entry


def configuration(plan: Plan, secrets: frozenset[str]) -> dict[str, Any]:
    """Terraform's ``configuration``: the providers and the declared resources."""
    providers = sorted({provider_name(r.kind) for r in plan.configuration}
                       | {provider_name(c.kind) for c in plan.changes})
    return {"provider_config": {p: {"name": p, "full_name": f"ncplan/{p}"}
                                for p in providers},
            "root_module": {"resources": [configured_resource(r, secrets)
                                          for r in plan.configuration]}}


def variables(plan_variables: tuple[PlanVariable, ...],
              secrets: frozenset[str]) -> dict[str, Any]:
    """``{name: {"value": ...}}``; a sensitive variable's value is redacted."""
    return {v.name: {"value": MARKER if v.sensitive else redact(_plain(v.value), secrets)}
            for v in plan_variables}


def nomad_plan(plan: NomadJobPlan, secrets: frozenset[str]) -> dict[str, Any]:
    """Nomad's answer: diff type and diff (sensitive values redacted), annotations by
    group, placement failures."""
    annotations = {a.group: {k: v for k, v in asdict(a).items() if k != "group"}
                   for a in plan.annotations}
    return {"diff_type": plan.diff_type, "diff": redact(_plain(plan.diff), secrets),
            "annotations": annotations,
            "failures": [_plain(asdict(f)) for f in plan.failures],
            "job_modify_index": plan.job_modify_index,
            "warnings": redact(plan.warnings, secrets)}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The whole ``--json`` document as a dict."""
    secrets = plan_secrets(plan)
    jobs = {c.name: nomad_plan(c.nomad_plan, secrets) for c in plan.changes
            if c.nomad_plan is not None}
    return {
        "format_version": FORMAT_VERSION,
        "ncplan_version": __version__,
        "mode": plan.mode.value,
        "resource_changes": [resource_change(c, plan.mode, secrets) for c in plan.changes],
        "resource_drift": [resource_drift(d, secrets) for d in plan.drift],
        "prior_state": prior_state(plan.prior_state, secrets),
        "planned_values": planned_values(plan, secrets),
        "configuration": configuration(plan, secrets),
        "variables": variables(plan.variables, secrets),
        "errored": False,  # a plan that fails is an error (exit 1), never a document
        "applyable": not plan.is_empty(),
        "complete": not plan.targets,
        "apply_order": [list(batch) for batch in plan.apply_order],
        "nomad_plans": jobs,
        "warnings": [{"summary": redact(w.summary, secrets), "address": w.address,
                      "detail": redact(w.detail, secrets)} for w in plan.warnings],
        "targets": list(plan.targets),
        "refreshed": plan.refreshed,
    }


def dump_plan(plan: Plan) -> str:
    """The document as text: sorted keys, indent 2, a final newline."""
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
