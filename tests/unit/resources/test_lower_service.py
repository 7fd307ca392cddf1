"""Lowering a service: the seed guide's builtin sidecar pattern, envoy, Consul entries."""

from __future__ import annotations

from typing import Any

from ncplan.config.model import (
    Config,
    HttpMatch,
    Intention,
    Permission,
    Resources,
    Service,
    Task,
    Upstream,
    upstream_port_label,
)
from ncplan.resources.desired import intention_body, lower_config, select_resources
from ncplan.resources.nomad_job import builtin_proxy_args, lower_service

DB = Service(
    name="db",
    port="tcp",
    task=Task(driver="raw_exec", config={
        "command": "/usr/local/bin/my-database",
        "args": ("-bind", "127.0.0.1:${NOMAD_PORT_tcp}"),
    }, resources=Resources(cpu=200, memory=256)),
)
WEB = Service(
    name="web",
    task=Task(driver="raw_exec", config={"command": "/usr/local/bin/web"},
              env={"DATABASE_URL": "postgresql://127.0.0.1:${NOMAD_PORT_up_db}/db"}),
    upstreams=(Upstream("db"),),
)


def _task(job: dict[str, Any], name: str) -> dict[str, Any]:
    tasks = job["TaskGroups"][0]["Tasks"]
    found = [t for t in tasks if t["Name"] == name]
    assert len(found) == 1, tasks
    return dict(found[0])


def test_accepting_side_proxy_args_follow_the_seed_guide() -> None:
    assert builtin_proxy_args(DB) == [
        "connect", "proxy",
        "-service", "db",
        "-service-addr", "127.0.0.1:${NOMAD_PORT_tcp}",
        "-listen", ":${NOMAD_PORT_connect}",
        "-register",
    ]


def test_calling_side_proxy_args_follow_the_seed_guide() -> None:
    assert builtin_proxy_args(WEB) == [
        "connect", "proxy", "-service", "web", "-upstream", "db:${NOMAD_PORT_up_db}",
    ]


def test_upstream_labels_turn_dashes_into_underscores() -> None:
    assert upstream_port_label("count-api") == "up_count_api"
    service = Service(name="dash", task=Task(driver="raw_exec"),
                      upstreams=(Upstream("count-api"), Upstream("db")))
    assert builtin_proxy_args(service)[-4:] == [
        "-upstream", "count-api:${NOMAD_PORT_up_count_api}", "-upstream", "db:${NOMAD_PORT_up_db}",
    ]


def test_builtin_job_shape() -> None:
    job = lower_service(DB)
    assert {k: job[k] for k in ("ID", "Name", "Type", "Datacenters")} == {
        "ID": "db", "Name": "db", "Type": "service", "Datacenters": ["dc1"],
    }
    assert "Meta" not in job
    (group,) = job["TaskGroups"]
    assert group["Name"] == "db" and group["Count"] == 1
    assert group["Networks"] == [{"Mode": "host", "DynamicPorts": [
        {"Label": "tcp"}, {"Label": "connect"},
    ]}]
    assert _task(job, "db") == {
        "Name": "db",
        "Driver": "raw_exec",
        "Config": {"command": "/usr/local/bin/my-database",
                   "args": ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]},
        "Resources": {"CPU": 200, "MemoryMB": 256},
        "Services": [{"Name": "db", "PortLabel": "tcp", "Provider": "consul"}],
    }
    proxy = _task(job, "connect-proxy")
    assert proxy["Driver"] == "raw_exec"
    assert proxy["Config"]["command"] == "/usr/local/bin/consul"
    assert proxy["Env"] == {"CONSUL_HTTP_ADDR": "127.0.0.1:8500"}


def test_calling_side_has_upstream_ports_and_registers_nothing() -> None:
    job = lower_service(WEB)
    group = job["TaskGroups"][0]
    assert group["Networks"] == [{"Mode": "host", "DynamicPorts": [{"Label": "up_db"}]}]
    assert "Services" not in _task(job, "web")
    assert "Services" not in group


def test_register_false_leaves_the_app_unregistered() -> None:
    job = lower_service(Service(name="db", port="tcp", register=False, task=DB.task))
    assert "Services" not in _task(job, "db")


def test_consul_binary_and_agent_come_from_the_service() -> None:
    service = Service(name="db", port="tcp", task=DB.task, consul_binary="/opt/consul",
                      consul_agent="10.0.0.1:8500", meta={"team": "storage"}, count=3,
                      datacenters=("eu1", "eu2"))
    job = lower_service(service)
    proxy = _task(job, "connect-proxy")
    assert proxy["Config"]["command"] == "/opt/consul"
    assert proxy["Env"] == {"CONSUL_HTTP_ADDR": "10.0.0.1:8500"}
    assert job["Meta"] == {"team": "storage"}
    assert job["Datacenters"] == ["eu1", "eu2"]
    assert job["TaskGroups"][0]["Count"] == 3


def test_envoy_job_uses_bridge_networking_and_sidecar_service() -> None:
    service = Service(name="api", port="http", sidecar="envoy", task=DB.task,
                      upstreams=(Upstream("db", local_bind_port=5432),))
    job = lower_service(service)
    group = job["TaskGroups"][0]
    assert group["Networks"] == [{"Mode": "bridge",
                                  "DynamicPorts": [{"Label": "http", "To": -1}]}]
    assert group["Services"] == [{
        "Name": "api",
        "PortLabel": "http",
        "Provider": "consul",
        "Connect": {"SidecarService": {"Proxy": {"Upstreams": [
            {"DestinationName": "db", "LocalBindPort": 5432},
        ]}}},
    }]
    assert [t["Name"] for t in group["Tasks"]] == ["api"]


def test_envoy_service_without_port_advertises_a_fixed_port() -> None:
    service = Service(name="web", sidecar="envoy", task=WEB.task)
    group = lower_service(service)["TaskGroups"][0]
    assert group["Networks"] == [{"Mode": "bridge", "DynamicPorts": []}]
    assert group["Services"][0]["PortLabel"] == "9"
    assert group["Services"][0]["Connect"] == {"SidecarService": {}}


def test_l4_intention_body() -> None:
    assert intention_body(Intention("web", "db", description="web reads db")) == {
        "Name": "web", "Action": "allow", "Description": "web reads db",
    }
    assert intention_body(Intention("web", "db", action="deny")) == {
        "Name": "web", "Action": "deny",
    }


def test_l7_intention_body_has_permissions_and_no_action() -> None:
    intention = Intention("frontend", "api", action=None, permissions=(
        Permission("allow", HttpMatch(path_prefix="/v1/", methods=("GET", "HEAD"))),
        Permission("deny", HttpMatch(path_exact="/admin")),
        Permission("deny", HttpMatch(path_regex="/x/.*")),
    ))
    assert intention_body(intention) == {"Name": "frontend", "Permissions": [
        {"Action": "allow", "HTTP": {"PathPrefix": "/v1/", "Methods": ["GET", "HEAD"]}},
        {"Action": "deny", "HTTP": {"PathExact": "/admin"}},
        {"Action": "deny", "HTTP": {"PathRegex": "/x/.*"}},
    ]}


def test_lower_config_lists_resources_in_order_with_dependencies() -> None:
    api = Service(name="api", port="http", protocol="http", task=DB.task)
    config = Config(directory=".", services=(WEB, DB, api),
                    intentions=(Intention("web", "db"), Intention("web", "api")))
    resources = lower_config(config)
    assert [r.address for r in resources] == [
        "nomad_job.api", "nomad_job.db", "nomad_job.web",
        "consul_service_defaults.api",
        "consul_intention.web:api", "consul_intention.web:db",
    ]
    by_address = {r.address: r for r in resources}
    assert by_address["consul_service_defaults.api"].body == {
        "Kind": "service-defaults", "Name": "api", "Protocol": "http"}
    assert by_address["nomad_job.web"].depends_on == (
        "nomad_job.db", "consul_intention.web:db")
    assert by_address["consul_intention.web:api"].depends_on == (
        "nomad_job.api", "consul_service_defaults.api")
    assert by_address["consul_service_defaults.api"].depends_on == ("nomad_job.api",)
    assert [r.address for r in select_resources(resources, "api")] == [
        "nomad_job.api", "consul_service_defaults.api", "consul_intention.web:api"]


def test_tcp_service_has_no_service_defaults() -> None:
    resources = lower_config(Config(directory=".", services=(DB,)))
    assert [r.address for r in resources] == ["nomad_job.db"]
