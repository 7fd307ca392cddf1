"""Plans built in memory for the view tests, one per situation the views must show.

Nomad's diffs, annotations and placement failures come from answers recorded from a real
Nomad 1.6.1 agent (recorded/, decoded by the provider's own parse function); the jobs
are the ones those answers were planned from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from ncplan.planner.redaction import MARKER, nomad_plan_mask, redacted_state
from ncplan.providers.live import NomadJobPlan
from ncplan.providers.nomad_job_decoding import job_plan
from ncplan.state.model import ResourceState, State

RECORDED = Path(__file__).parents[1] / "providers" / "recorded" / "nomad"  # record_nomad.py
LINEAGE = "5f2b9c1e-0000-4000-8000-000000000001"
SECRET = "hunter2-db-password"


def recorded_plan(name: str, job: str = "web") -> NomadJobPlan:
    body = json.loads((RECORDED / f"{name}.json").read_text())["body"]
    return job_plan(job, body, f"recorded {name}")


def job(name: str = "web", *, count: int = 1, env: dict[str, str] | None = None,
        kind: str = "service", constraints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A job as the recorded answers were planned from (the fields ncplan sets)."""
    task = {"Name": name, "Driver": "raw_exec",
            "Config": {"command": "/bin/sh", "args": ["-c", "sleep 3600"]},
            "Env": env if env is not None else {"MESSAGE": "hello"},
            "Resources": {"CPU": 50, "MemoryMB": 32}}
    body: dict[str, Any] = {"ID": name, "Name": name, "Type": kind, "Datacenters": ["dc1"],
                            "TaskGroups": [{"Name": name, "Count": count, "Tasks": [task]}]}
    if constraints is not None:
        body["Constraints"] = constraints
    return body


def intention(source: str, action: str = "allow") -> dict[str, Any]:
    return {"Name": source, "Action": action}


def state(*resources: ResourceState) -> State:
    return State(version=2, ncplan_version="0.1.0", serial=4, lineage=LINEAGE,
                 resources=tuple(sorted(resources, key=lambda r: r.address)))


def job_state(body: dict[str, Any], index: int = 10) -> ResourceState:
    return ResourceState(address=f"nomad_job.{body['ID']}", kind="nomad_job", id=body["ID"],
                         attributes=body, observed_index=index)


def intention_state(source: str, destination: str, action: str = "allow") -> ResourceState:
    return ResourceState(address=f"consul_intention.{source}:{destination}",
                         kind="consul_intention", id=f"{source}:{destination}",
                         attributes=intention(source, action), observed_index=21)


def _job_change(action: Action, before: Any, after: Any, **fields: Any) -> ResourceChange:
    name = (after or before)["ID"]
    return ResourceChange(address=f"nomad_job.{name}", kind="nomad_job", name=name,
                          action=action, before=before, after=after, **fields)


def _intention_change(source: str, destination: str, action: Action, before: Any,
                      after: Any, **fields: Any) -> ResourceChange:
    name = f"{source}:{destination}"
    return ResourceChange(address=f"consul_intention.{name}", kind="consul_intention",
                          name=name, action=action, before=before, after=after, **fields)


def create() -> Plan:
    defaults = {"Kind": "service-defaults", "Name": "db", "Protocol": "http"}
    changes = (
        ResourceChange(address="consul_service_defaults.db", kind="consul_service_defaults",
                       name="db", action=Action.CREATE, after=defaults),
        _intention_change("web", "db", Action.CREATE, None, intention("web"),
                          depends_on=("consul_service_defaults.db", "nomad_job.db")),
        _job_change(Action.CREATE, None, job("worker"), nomad_plan=recorded_plan("plan_new",
                                                                                  "worker")),
    )
    configuration = (
        ConfiguredResource("consul_intention.web:db", "consul_intention", "web:db",
                           intention("web"), depends_on=("consul_service_defaults.db",)),
        ConfiguredResource("consul_service_defaults.db", "consul_service_defaults", "db",
                           defaults),
        ConfiguredResource("nomad_job.worker", "nomad_job", "worker", job("worker")),
    )
    return Plan(changes=changes, prior_state=None,
                apply_order=(("consul_service_defaults.db", "nomad_job.worker"),
                             ("consul_intention.web:db",)),
                configuration=configuration,
                variables=(PlanVariable("db_version", "15"),))


def update() -> Plan:
    before, after = job(count=1), job(count=2)
    changes = (
        _intention_change("web", "db", Action.UPDATE, intention("web", "deny"),
                          intention("web"), observed_index=21),
        _job_change(Action.UPDATE, before, after, observed_index=10,
                    nomad_plan=recorded_plan("plan_count")),
    )
    return Plan(changes=changes, prior_state=state(job_state(before),
                                                   intention_state("web", "db", "deny")),
                lineage=LINEAGE, serial=4,
                apply_order=(("nomad_job.web",), ("consul_intention.web:db",)))


def replace() -> Plan:
    before, after = job(), job(kind="batch")
    change = _job_change(Action.REPLACE, before, after, observed_index=10,
                         replace_paths=("Type",),
                         reason="type changes; it cannot change in place")
    return Plan(changes=(change,), prior_state=state(job_state(before)), lineage=LINEAGE,
                serial=4, apply_order=(("nomad_job.web",), ("nomad_job.web",)),
                targets=("nomad_job.web",))


def delete() -> Plan:
    old = intention_state("api", "db")
    change = _intention_change("api", "db", Action.DELETE, old.attributes, None,
                               observed_index=21)
    return Plan(changes=(change,), prior_state=state(old), lineage=LINEAGE, serial=4,
                apply_order=(("consul_intention.api:db",),), read_live=False)


def no_changes() -> Plan:
    body = job()
    change = _job_change(Action.NOOP, body, body, observed_index=10)
    return Plan(changes=(change,), prior_state=state(job_state(body)), lineage=LINEAGE,
                serial=4)


def drift() -> Plan:
    recorded, live = job(count=1), job(count=3)
    drifts = (
        Drift(address="nomad_job.web", kind="nomad_job", name="web", action=Action.UPDATE,
              before=recorded, after=live),
        Drift(address="consul_intention.web:db", kind="consul_intention", name="web:db",
              action=Action.DELETE, before=intention("web"), after=None),
    )
    changes = (
        _intention_change("web", "db", Action.CREATE, None, intention("web"),
                          reason="deleted outside ncplan; it will be created again"),
        _job_change(Action.UPDATE, live, recorded, observed_index=14),
    )
    return Plan(changes=changes, drift=drifts, lineage=LINEAGE, serial=4,
                prior_state=state(job_state(recorded), intention_state("web", "db")),
                apply_order=(("nomad_job.web",), ("consul_intention.web:db",)))


def placement_failure() -> Plan:
    constraint = [{"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "plan9"}]
    before, after = job(), job(constraints=constraint)
    change = _job_change(Action.UPDATE, before, after, observed_index=10,
                         nomad_plan=recorded_plan("plan_constraint"))
    return Plan(changes=(change,), prior_state=state(job_state(before)), lineage=LINEAGE,
                serial=4, apply_order=(("nomad_job.web",),))


def coverage_warnings() -> Plan:
    warnings = (
        PlanWarning("web -> db: upstream declared but no intention allows it; connections "
                    "will be refused", address="nomad_job.web",
                    detail="Consul's ACL default policy is deny."),
        PlanWarning("intention web -> ghost: no service ghost exists in the configuration or "
                    "in Consul", address="consul_intention.web:ghost"),
    )
    plan = create()
    return Plan(changes=plan.changes, warnings=warnings, apply_order=plan.apply_order)


def sensitive() -> Plan:
    """Masks as the planner puts them (ncplan.planner.redaction): on both sides, on
    Nomad's diff of the masked values, and the prior state redacted."""
    before = job(env={"MESSAGE": "hello", "DB_PASSWORD": SECRET})
    after = job(env={"MESSAGE": "changed", "DB_PASSWORD": SECRET})
    mask = {"TaskGroups": [{"Tasks": [{"Env": {"DB_PASSWORD": True, "MESSAGE": True}}]}]}
    nomad = recorded_plan("plan_env")
    change = _job_change(Action.UPDATE, before, after, observed_index=10,
                         nomad_plan=nomad, before_sensitive=mask, after_sensitive=mask,
                         nomad_plan_sensitive=nomad_plan_mask(nomad, frozenset({SECRET}),
                                                              (before, mask), (after, mask)))
    created = ResourceChange(address="consul_service_defaults.db",
                             kind="consul_service_defaults", name="db", action=Action.CREATE,
                             after={"Kind": "service-defaults", "Name": "db",
                                    "Meta": {"token": SECRET}},
                             after_sensitive={"Meta": {"token": True}})
    configured_job = job(env={"MESSAGE": "changed", "DB_PASSWORD": MARKER})
    return Plan(changes=(created, change),
                prior_state=redacted_state(state(job_state(before)), frozenset({SECRET})),
                lineage=LINEAGE, serial=4,
                apply_order=(("consul_service_defaults.db", "nomad_job.web"),),
                configuration=(ConfiguredResource("nomad_job.web", "nomad_job", "web",
                                                  configured_job),),
                variables=(PlanVariable("db_password", None, sensitive=True),
                           PlanVariable("message", "changed")))


def refresh_only() -> Plan:
    plan = drift()
    noops = tuple(ResourceChange(address=c.address, kind=c.kind, name=c.name,
                                 action=Action.NOOP, before=c.before, after=c.before)
                  for c in plan.changes)
    return Plan(mode=PlanMode.REFRESH_ONLY, changes=noops, drift=plan.drift,
                prior_state=plan.prior_state, lineage=LINEAGE, serial=4)


def destroy() -> Plan:
    body = job()
    resources = (job_state(body), intention_state("web", "db"))
    changes = (
        _intention_change("web", "db", Action.DELETE, intention("web"), None,
                          observed_index=21),
        _job_change(Action.DELETE, body, None, observed_index=10),
    )
    return Plan(mode=PlanMode.DESTROY, changes=changes, prior_state=state(*resources),
                lineage=LINEAGE, serial=4,
                apply_order=(("consul_intention.web:db",), ("nomad_job.web",)))


def many() -> Plan:
    """More changes than the comment shows unfolded: an update with its intention, and a
    dozen new jobs."""
    plan = update()
    jobs = tuple(_job_change(Action.CREATE, None, job(f"worker-{n:02}"),
                             depends_on=("nomad_job.web",)) for n in range(12))
    return Plan(changes=(*plan.changes, *jobs), prior_state=plan.prior_state,
                lineage=LINEAGE, serial=4, apply_order=plan.apply_order)


def adopted() -> Plan:
    """An intention made by hand, imported; a job an interrupted apply wrote, recorded."""
    body = job()
    changes = (
        _intention_change("web", "db", Action.NOOP, intention("web"), intention("web"),
                          depends_on=("nomad_job.db",), adoption=Adoption.IMPORT,
                          import_id="web:db"),
        _job_change(Action.NOOP, body, body, adoption=Adoption.RECORD),
    )
    return Plan(changes=changes, prior_state=None,
                apply_order=(("nomad_job.web",), ("consul_intention.web:db",)))


CASES: dict[str, Callable[[], Plan]] = {
    "create": create, "update": update, "replace": replace, "delete": delete,
    "no_changes": no_changes, "drift": drift, "placement_failure": placement_failure,
    "coverage_warnings": coverage_warnings, "sensitive": sensitive,
    "refresh_only": refresh_only, "destroy": destroy, "many": many, "adopted": adopted,
}
