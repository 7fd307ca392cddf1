"""Sidecar identities in lowering: the proxy's template and env, the token and variable
resources, the apply-order edges, and how an unset ``sidecar_identity`` resolves."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from ncplan.config.model import Config, Defaults, Intention, Service, Task, Upstream
from ncplan.resources.desired import lower_config
from ncplan.resources.graph import ResourceGraph
from ncplan.resources.nomad_job import PROXY_TASK, lower_service
from ncplan.resources.sidecar_identity import (
    resolve_sidecar_identity,
    token_accessor_id,
    token_body,
    variable_body,
)

DB = Service(name="db", port="tcp", task=Task(driver="raw_exec", config={"command": "db"}),
             consul_agent="https://127.0.0.1:8501", consul_agent_cacert="/etc/consul/ca.pem")
WEB = Service(name="web", task=Task(driver="raw_exec", config={"command": "web"}),
              upstreams=(Upstream("db"),))
CACHE = Service(name="cache", port="tcp", sidecar="envoy",
                task=Task(driver="docker", config={"image": "redis"}))
CONFIG = Config(directory=".", services=(DB, WEB, CACHE),
                intentions=(Intention("web", "db", "allow"),))


def proxy(job: dict[str, Any]) -> dict[str, Any]:
    (group,) = job["TaskGroups"]
    (found,) = [t for t in group["Tasks"] if t["Name"] == PROXY_TASK]
    return dict(found)


def test_the_proxy_reads_its_token_from_the_variable_template_not_the_env() -> None:
    task = proxy(lower_service(DB, identity=True))
    assert task["Env"] == {"CONSUL_HTTP_ADDR": "https://127.0.0.1:8501",
                           "CONSUL_CACERT": "/etc/consul/ca.pem"}
    assert task["Templates"] == [{
        "EmbeddedTmpl": '{{ with nomadVar "nomad/jobs/db" }}'
                        "CONSUL_HTTP_TOKEN={{ .consul_token }}{{ end }}\n",
        "DestPath": "secrets/consul_token.env", "Envvars": True, "ChangeMode": "restart"}]
    assert "CONSUL_HTTP_TOKEN" not in json.dumps(task["Env"])


def test_without_identity_the_proxy_has_no_template_and_no_cacert_unless_set() -> None:
    task = proxy(lower_service(WEB))
    assert "Templates" not in task
    assert task["Env"] == {"CONSUL_HTTP_ADDR": "127.0.0.1:8500"}


def test_each_builtin_service_gets_a_token_and_a_variable_envoy_does_not() -> None:
    by_address = {r.address: r for r in lower_config(CONFIG, sidecar_identity=True)}
    assert by_address["consul_acl_token.db"].body == {
        "AccessorID": token_accessor_id("db"),
        "Description": "ncplan: sidecar identity of service db",
        "ServiceIdentities": [{"ServiceName": "db"}, {"ServiceName": "db-proxy"}]}
    assert by_address["nomad_variable.web"].body == {
        "Path": "nomad/jobs/web", "Items": {"consul_token": None}}
    assert "consul_acl_token.cache" not in by_address
    assert "nomad_variable.cache" not in by_address
    assert "SecretID" not in json.dumps([r.body for r in by_address.values()])


def test_the_accessor_id_is_a_stable_uuid_per_name() -> None:
    assert token_accessor_id("db") == token_accessor_id("db") != token_accessor_id("web")
    assert token_body("db")["AccessorID"] == "2cb27ed7-0583-560c-899f-ae29cee91960"
    assert variable_body("db")["Path"] == "nomad/jobs/db"


def test_the_job_needs_its_token_and_variable_and_the_variable_needs_the_token() -> None:
    needs = {r.address: r.depends_on for r in lower_config(CONFIG, sidecar_identity=True)}
    assert set(needs["nomad_job.db"]) == {"consul_acl_token.db", "nomad_variable.db"}
    assert set(needs["nomad_job.web"]) == {"nomad_job.db", "consul_intention.web:db",
                                           "consul_acl_token.web", "nomad_variable.web"}
    assert needs["nomad_variable.db"] == ("consul_acl_token.db",)
    assert needs["consul_acl_token.db"] == ()


def test_apply_order_is_token_then_variable_then_job_and_destroy_reverses_it() -> None:
    graph = ResourceGraph.of(lower_config(CONFIG, sidecar_identity=True))
    order = [a for batch in graph.apply_order() for a in batch]
    assert order.index("consul_acl_token.db") < order.index("nomad_variable.db") \
        < order.index("nomad_job.db")
    backward = [a for batch in graph.destroy_order() for a in batch]
    assert backward.index("nomad_job.db") < backward.index("nomad_variable.db") \
        < backward.index("consul_acl_token.db")


def test_lower_config_follows_the_defaults_switch_unless_given_the_resolved_one() -> None:
    on = replace(CONFIG, defaults=Defaults(sidecar_identity=True))
    kinds = {r.kind for r in lower_config(on)}
    assert {"consul_acl_token", "nomad_variable"} <= kinds
    assert not {"consul_acl_token", "nomad_variable"} & {r.kind for r in lower_config(CONFIG)}
    assert not {"consul_acl_token"} & {r.kind for r in lower_config(on, sidecar_identity=False)}


@pytest.mark.parametrize(("declared", "acl", "recorded", "expected"), [
    (True, False, False, True),     # declared wins over Consul
    (False, True, True, False),
    (None, True, False, True),      # unset: on when Consul has ACLs
    (None, False, True, False),
    (None, None, True, True),       # --no-refresh: what the state manages
    (None, None, False, False),     # validate / render: off
])
def test_an_unset_switch_follows_acls_then_the_state(
        declared: bool | None, acl: bool | None, recorded: bool, expected: bool) -> None:
    assert resolve_sidecar_identity(declared, acl, recorded) is expected
