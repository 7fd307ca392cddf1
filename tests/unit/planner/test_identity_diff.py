"""The diff of sidecar identities (``consul_acl_token``, ``nomad_variable``) against the
token and variable the secure pair answered (tests/record/record_identity.py): the secret
is never compared in clear, never shown, and a variable's item is known after apply."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from rich.console import Console

from ncplan.config.model import Config, Service, Task
from ncplan.kinds.nomad_variable import NEW_TOKEN
from ncplan.planner import planfile
from ncplan.planner.build import PlanRequest, build_plan
from ncplan.planner.diff import DELETED, diff_resource
from ncplan.planner.model import Action, Plan
from ncplan.providers.consul_acl_token import parse_token
from ncplan.providers.live import LiveToken, LiveVariable, Refreshed
from ncplan.providers.nomad_variable import parse_variable
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.state.model import ResourceState
from ncplan.views.plan_human import render_plan
from ncplan.views.plan_json import plan_document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))

from identity_recordings import exchanges

DB = Service(name="db", port="tcp", task=Task(driver="raw_exec", config={"command": "db"}))
DESIRED = {r.address: r for r in lower_config(Config(directory=".", services=(DB,)), True)}
TOKEN, VARIABLE = DESIRED["consul_acl_token.db"], DESIRED["nomad_variable.db"]
CREATED, READ, EDITED = (e.json() for e in exchanges("token_lifecycle"))
SECRET = str(READ["SecretID"])
VARIABLE_ANSWER = exchanges("variable_lifecycle")[2].json()  # holds "recorded-secret-1"


def live_token() -> LiveToken:
    return parse_token("db", READ)


def holding(secret: str) -> LiveVariable:
    """The recorded variable, its item replaced by ``secret``."""
    return parse_variable("db", {**VARIABLE_ANSWER, "Items": {"consul_token": secret}})


def recorded(resource: DesiredResource, index: int) -> ResourceState:
    return ResourceState(address=resource.address, kind=resource.kind, id=resource.name,
                         attributes=dict(resource.body), observed_index=index,
                         dependencies=resource.depends_on)


def refreshed(token: LiveToken | None, variable: LiveVariable | None) -> Refreshed:
    return Refreshed(acl_tokens={"db": token}, variables={"db": variable})


def test_a_token_holding_its_identity_and_a_variable_holding_its_secret_are_no_ops() -> None:
    live = refreshed(live_token(), holding(SECRET))
    token = diff_resource(TOKEN, recorded(TOKEN, 1), live)
    variable = diff_resource(VARIABLE, recorded(VARIABLE, 1), live)
    assert (token.action, variable.action) == (Action.NOOP, Action.NOOP)
    assert token.before == token.after == dict(TOKEN.body)
    assert variable.observed_index == VARIABLE_ANSWER["ModifyIndex"]


def test_a_variable_holding_another_secret_is_updated_with_a_reason() -> None:
    change = diff_resource(VARIABLE, recorded(VARIABLE, 1),
                           refreshed(live_token(), holding("recorded-secret-1")))
    assert change.action is Action.UPDATE
    assert "does not hold the SecretID of consul_acl_token.db" in change.reason
    assert "recorded-secret" not in json.dumps([change.before, change.after, change.reason])


def test_a_token_deleted_outside_plans_create_and_its_variable_an_update() -> None:
    live = refreshed(None, holding(SECRET))
    token = diff_resource(TOKEN, recorded(TOKEN, 1), live)
    variable = diff_resource(VARIABLE, recorded(VARIABLE, 1), live)
    assert (token.action, token.reason) == (Action.CREATE, DELETED)
    assert (variable.action, variable.reason) == (Action.UPDATE, NEW_TOKEN)


def test_a_token_edited_outside_is_updated_back() -> None:
    change = diff_resource(TOKEN, recorded(TOKEN, 1),
                           refreshed(parse_token("db", EDITED), holding(SECRET)))
    assert change.action is Action.UPDATE
    assert change.before is not None
    assert change.before["Description"] == "changed by hand"
    assert change.observed_index == EDITED["ModifyIndex"]


def test_without_a_refresh_the_recorded_bodies_are_no_ops() -> None:
    assert diff_resource(TOKEN, recorded(TOKEN, 3), None).action is Action.NOOP
    assert diff_resource(VARIABLE, recorded(VARIABLE, 3), None).action is Action.NOOP


def plan_of(live: Refreshed) -> Plan:
    return build_plan(PlanRequest(desired=tuple(DESIRED.values()), refreshed=live))


def test_the_plan_masks_the_item_and_marks_it_known_after_apply() -> None:
    plan = plan_of(refreshed(None, None))
    change = plan.change("nomad_variable.db")
    assert change is not None and change.action is Action.CREATE
    assert change.after_sensitive == change.after_unknown == {"Items": {"consul_token": True}}
    document = plan_document(plan)
    (entry,) = [c for c in document["resource_changes"]
                if c["address"] == "nomad_variable.db"]
    assert entry["change"]["after_unknown"] == {"Items": {"consul_token": True}}
    assert entry["change"]["after_sensitive"] == {"Items": {"consul_token": True}}
    output = io.StringIO()
    render_plan(Console(file=output, width=100, color_system=None), plan)
    text = output.getvalue()
    assert "# nomad_variable.db will be created" in text
    assert "consul_token = (sensitive value)" in text
    assert "# consul_acl_token.db will be created" in text


def test_no_plan_view_holds_the_secret_or_its_digest() -> None:
    live = refreshed(None, holding(SECRET))
    plan = plan_of(live)
    output = io.StringIO()
    render_plan(Console(file=output, width=100, color_system=None), plan)
    shown = output.getvalue() + json.dumps(plan_document(plan)) + planfile.encode(plan)
    assert SECRET not in shown
    assert live_token().secret_digest not in shown
    assert "recorded-secret" not in shown
