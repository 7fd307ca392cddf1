"""The plan file (``plan --out FILE``): a saved :class:`Plan`, and its staleness checks.

JSON holding the changes (before/after, observed indexes, Nomad's plans), the drift,
warnings, apply order, mode, targets, the state the plan was made against (its lineage
and serial), a digest of the configuration and whether sidecar identities were on (apply
lowers the configuration as the plan did, never guessing it from the plan's kinds).
Sensitive values are written redacted (:mod:`ncplan.planner.redaction`): every value
holding a current secret, and whatever the plan's masks mark in what is only shown (a
change's ``before``, a drift's two sides, Nomad's plans), which may hold a secret of an
earlier apply. ``apply`` restores the values it writes from the configuration, which the
digest proves the same. :func:`read` refuses anything that is not a plan file this
ncplan wrote, naming the file. :func:`stale_reasons` says why a saved plan no longer fits
the current state or configuration (apply refuses it then).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ncplan import __version__
from ncplan.diagnostics import SourceSpan
from ncplan.errors import NcplanError, StateError
from ncplan.planner.model import (
    Action,
    Adoption,
    ConfiguredResource,
    Drift,
    Plan,
    PlanMode,
    PlanVariable,
    PlanWarning,
    ResourceChange,
)
from ncplan.planner.redaction import hidden_nomad_plan, hide, redact, redacted_state
from ncplan.providers.live import GroupAnnotation, NomadJobPlan, PlacementFailure
from ncplan.resources.plain import plain
from ncplan.state.codec import from_json as state_from_json
from ncplan.state.codec import to_json as state_to_json
from ncplan.state.model import State

#: 2: intention addresses spelt ``consul_intention.SRC:DST`` (1 wrote ``SRC->DST``).
#: 3: ``sidecar_identity``, whether the plan was made with sidecar identities on.
FORMAT_VERSION = "3"
KIND = "ncplan-plan"


def configuration_digest(files: Iterable[tuple[str, str]], variables: Mapping[str, Any]) -> str:
    """sha256 over the files' (name, text), sorted by name, and the resolved variable
    values: an edited file or another ``--var`` makes a saved plan stale."""
    digest = hashlib.sha256()
    for name, text in sorted(files):
        digest.update(json.dumps([name, text]).encode())
    digest.update(json.dumps(variables, sort_keys=True, default=str).encode())
    return "sha256:" + digest.hexdigest()


def _nomad_plan(plan: NomadJobPlan | None) -> dict[str, Any] | None:
    return None if plan is None else asdict(plan)


def _nomad_plan_from(doc: Mapping[str, Any] | None) -> NomadJobPlan | None:
    if doc is None:
        return None
    return NomadJobPlan(
        job_name=doc["job_name"], diff_type=doc["diff_type"], diff=doc["diff"],
        annotations=tuple(GroupAnnotation(**a) for a in doc["annotations"]),
        failures=tuple(PlacementFailure(**f) for f in doc["failures"]),
        job_modify_index=doc["job_modify_index"], warnings=doc["warnings"])


#: The fields of a change or a drift, and of Nomad's plan, that hold values (redacted in
#: the file; never an index, which a numeric secret could otherwise hide).
VALUE_FIELDS = ("before", "after", "body")
NOMAD_PLAN_VALUE_FIELDS = ("diff", "warnings")


def _shown_sides(change: ResourceChange | Drift) -> dict[str, Any]:
    """The sides only shown, never written by apply, with their masks: hidden whole."""
    sides = {"before": change.before_sensitive}
    if isinstance(change, Drift):
        sides["after"] = change.after_sensitive
    return sides


def _change(change: ResourceChange | Drift, secrets: frozenset[str]) -> dict[str, Any]:
    doc = {f.name: plain(getattr(change, f.name)) for f in fields(change)}
    doc["action"] = change.action.value
    doc["nomad_plan"] = _nomad_plan(hidden_nomad_plan(change.nomad_plan,
                                                      change.nomad_plan_sensitive))
    for key, mask in _shown_sides(change).items():
        doc[key] = hide(doc[key], mask)
    for key in VALUE_FIELDS:
        if key in doc:
            doc[key] = redact(doc[key], secrets)
    if doc["nomad_plan"] is not None:
        for key in NOMAD_PLAN_VALUE_FIELDS:
            doc["nomad_plan"][key] = redact(doc["nomad_plan"][key], secrets)
    if isinstance(change, ResourceChange):
        doc["source"] = None if change.source is None else asdict(change.source)
        doc["adoption"] = None if change.adoption is None else change.adoption.value
    return doc


def _change_from(doc: Mapping[str, Any]) -> ResourceChange:
    source = doc["source"]
    adoption = doc.get("adoption")
    return ResourceChange(**{
        **doc, "action": Action(doc["action"]), "nomad_plan": _nomad_plan_from(doc["nomad_plan"]),
        "adoption": None if adoption is None else Adoption(adoption),
        "replace_paths": tuple(doc["replace_paths"]), "depends_on": tuple(doc["depends_on"]),
        "source": None if source is None else SourceSpan(**source)})


def _drift_from(doc: Mapping[str, Any]) -> Drift:
    return Drift(**{**doc, "action": Action(doc["action"]),
                    "nomad_plan": _nomad_plan_from(doc["nomad_plan"])})


def _state(state: State | None, secrets: frozenset[str]) -> dict[str, Any] | None:
    return None if state is None else state_to_json(redacted_state(state, secrets))


def _warning(warning: PlanWarning, secrets: frozenset[str]) -> dict[str, Any]:
    return {key: redact(value, secrets) if key != "address" else value
            for key, value in asdict(warning).items()}


def to_json(plan: Plan, secrets: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The plan file's document; each value holding one of ``secrets`` (the sensitive
    variables' values) is redacted (``apply`` restores them from the configuration)."""
    return {
        "kind": KIND, "format_version": FORMAT_VERSION, "ncplan_version": __version__,
        "mode": plan.mode.value, "refreshed": plan.read_live,
        "sidecar_identity": plan.sidecar_identity,
        "targets": list(plan.targets), "lineage": plan.lineage, "serial": plan.serial,
        "config_digest": plan.config_digest,
        "apply_order": [list(batch) for batch in plan.apply_order],
        "changes": [_change(c, secrets) for c in plan.changes],
        "drift": [_change(d, secrets) for d in plan.drift],
        "warnings": [_warning(w, secrets) for w in plan.warnings],
        "prior_state": _state(plan.prior_state, secrets),
        "next_state": _state(plan.next_state, secrets),
        "forgotten": list(plan.forgotten),
        "variables": [{**asdict(v), "value": redact(plain(v.value), secrets)}
                      for v in plan.variables],
        "configuration": [{**plain(asdict(r)), "values": redact(plain(r.values), secrets)}
                          for r in plan.configuration],
    }


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{key} is {value!r}, not true or false")
    return value


def from_json(doc: Mapping[str, Any], source: str) -> Plan:
    def state(key: str) -> State | None:
        value = doc[key]
        return None if value is None else state_from_json(value, f"{source} ({key})")

    return Plan(
        mode=PlanMode(doc["mode"]), read_live=doc["refreshed"],
        sidecar_identity=_boolean(doc["sidecar_identity"], "sidecar_identity"),
        targets=tuple(doc["targets"]), lineage=doc["lineage"], serial=doc["serial"],
        config_digest=doc["config_digest"],
        apply_order=tuple(tuple(batch) for batch in doc["apply_order"]),
        changes=tuple(_change_from(c) for c in doc["changes"]),
        drift=tuple(_drift_from(d) for d in doc["drift"]),
        warnings=tuple(PlanWarning(**w) for w in doc["warnings"]),
        prior_state=state("prior_state"), next_state=state("next_state"),
        forgotten=tuple(doc.get("forgotten", ())),
        variables=tuple(PlanVariable(**v) for v in doc.get("variables", ())),
        configuration=tuple(ConfiguredResource(**{**r, "depends_on": tuple(r["depends_on"])})
                            for r in doc.get("configuration", ())),
    )


def encode(plan: Plan, secrets: frozenset[str] = frozenset()) -> str:
    return json.dumps(to_json(plan, secrets), indent=2, sort_keys=True) + "\n"


def decode(text: str, source: str) -> Plan:
    """The plan in ``text``; a clear error naming ``source`` for anything else."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise NcplanError(f"{source}: not a plan file: invalid JSON ({error.msg} at line "
                          f"{error.lineno} column {error.colno})") from error
    except ValueError as error:  # an integer of more digits than Python converts
        raise NcplanError(f"{source}: not a plan file: {error}") from error
    except RecursionError as error:
        raise NcplanError(f"{source}: not a plan file: nested too deeply to read") from error
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise NcplanError(f"{source}: not a plan file (write one with `ncplan plan --out`)")
    if doc.get("format_version") != FORMAT_VERSION:
        raise NcplanError(
            f"{source}: plan file format version {doc.get('format_version')!r}, this ncplan "
            f"reads version {FORMAT_VERSION}",
            hint="make the plan again with this ncplan")
    try:
        return from_json(doc, source)
    except StateError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise NcplanError(f"{source}: damaged plan file ({type(error).__name__}: "
                          f"{error})") from error


def write(plan: Plan, path: Path, secrets: frozenset[str] = frozenset()) -> None:
    path.write_text(encode(plan, secrets), encoding="utf-8")


def read(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NcplanError(f"{path}: cannot read the plan file: {error}") from error
    return decode(text, str(path))


def stale_reasons(plan: Plan, current_state: State | None, current_digest: str) -> list[str]:
    """Why ``plan`` no longer fits: another state lineage, a state written since, or a
    changed configuration. Empty when the plan can be applied."""
    reasons = []
    lineage = current_state.lineage if current_state is not None else ""
    serial = current_state.serial if current_state is not None else 0
    made_against_a_state = plan.serial > 0  # else its lineage is the one it would create
    if made_against_a_state and plan.lineage and lineage != plan.lineage:
        reasons.append(f"the state is another one (lineage {lineage or 'none'}, the plan was "
                       f"made against {plan.lineage})")
    elif serial != plan.serial:
        reasons.append(f"the state changed since the plan was made (serial {plan.serial}, "
                       f"now {serial})")
    if current_digest != plan.config_digest:
        reasons.append("the configuration changed since the plan was made (files or "
                       "variable values)")
    return reasons
