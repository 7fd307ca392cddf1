"""Checks across blocks: names, duplicates, references, cycles, ports, intentions."""

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load, only_error


def svc(name: str, extra: str = "", port: str = "tcp") -> str:
    port_line = f'  port = "{port}"\n' if port else ""
    return (f'service "{name}" {{\n{port_line}{extra}  task {{\n    driver = "raw_exec"\n'
            f'    config = {{ command = "/bin/x" }}\n  }}\n}}\n')


def test_duplicate_service_names(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"a.hcl": svc("db"), "b.hcl": svc("db")})
    assert diag.summary == 'duplicate job name "db": service "db" and service "db" at a.hcl:1:1'
    assert str(diag.span) == "b.hcl:1:1"


def test_service_and_raw_job_with_the_same_name(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"a.hcl": svc("db") + 'job "db" {\n  datacenters = ["dc1"]\n}\n'})
    assert diag.summary == 'duplicate job name "db": job "db" and service "db" at a.hcl:1:1'
    assert str(diag.span) == "a.hcl:8:1"


def test_invalid_names(tmp_path: Path) -> None:
    found = errors(tmp_path, {"a.hcl": svc("Db") + svc("web-") + svc("a" * 64)})
    assert [(d.summary, str(d.span)) for d in found] == [
        ('invalid service name "Db": it must start with a lowercase letter', "a.hcl:1:1"),
        ('invalid service name "web-": it must not end with a dash (Consul service names '
         "are DNS labels)", "a.hcl:8:1"),
        (f'invalid service name "{"a" * 64}": it is 64 characters long; the limit is 63 '
         "(a DNS label)", "a.hcl:15:1"),
    ]


def test_invalid_name_characters(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"a.hcl": svc("my_db")})
    assert diag.summary == ('invalid service name "my_db": it may only contain lowercase '
                            "letters, digits and dashes")


def test_upstream_to_unknown_service_unless_external(tmp_path: Path) -> None:
    web = svc("web", '  upstream "cache" {}\n  upstream "billing" {\n    external = true\n  }\n',
              port="")
    diag = only_error(tmp_path, {"a.hcl": web})
    assert diag.summary == ('service "web" has an upstream "cache" that is not in the '
                            "configuration")
    assert str(diag.span) == "a.hcl:2:3"
    assert "external = true" in diag.detail


def test_dependency_cycle_is_printed(tmp_path: Path) -> None:
    files = {"a.hcl": svc("alpha", '  upstream "beta" {}\n')
             + svc("beta", '  upstream "alpha" {}\n')}
    diag = only_error(tmp_path, files)
    assert diag.summary == "dependency cycle: alpha -> beta -> alpha"
    assert str(diag.span) == "a.hcl:1:1"


def test_cycle_through_depends_on_and_a_raw_job(tmp_path: Path) -> None:
    job = ('job "gamma" {\n  meta {\n    ncplan_depends_on = "alpha"\n  }\n}\n')
    files = {"a.hcl": svc("alpha", '  depends_on = ["gamma"]\n') + job}
    diag = only_error(tmp_path, files)
    assert diag.summary == "dependency cycle: alpha -> gamma -> alpha"


def test_depends_on_unknown(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"a.hcl": svc("alpha", '  depends_on = ["nope"]\n')})
    assert diag.summary == 'service "alpha" depends on "nope", which is not in the configuration'
    assert str(diag.span) == "a.hcl:3:18"


def test_envoy_upstream_needs_local_bind_port(tmp_path: Path) -> None:
    web = svc("web", '  sidecar = "envoy"\n  upstream "db" {}\n', port="")
    diag = only_error(tmp_path, {"a.hcl": svc("db") + web})
    assert diag.summary == 'upstream "db" of service "web" needs local_bind_port'
    assert str(diag.span) == "a.hcl:10:3"


def test_port_label_collides_with_sidecar_labels(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"a.hcl": svc("db", port="connect")})
    assert diag.summary == 'port label "connect" of service "db" collides with a label the ' \
        "sidecar uses"
    assert str(diag.span) == "a.hcl:2:3"


def test_two_upstreams_with_the_same_port_label(tmp_path: Path) -> None:
    ups = '  upstream "a-b" {\n    external = true\n  }\n  upstream "a_b" {\n' \
          "    external = true\n  }\n"
    found = errors(tmp_path, {"a.hcl": svc("web", ups, port="")})
    summaries = [(d.summary, str(d.span)) for d in found]
    assert ('upstreams "a-b" and "a_b" of service "web" both use the port label "up_a_b"',
            "a.hcl:5:3") in summaries


INTENTION = 'intention "{src}" "{dst}" {{\n{body}}}\n'


def intention(src: str, dst: str, body: str = '  action = "allow"\n') -> str:
    return INTENTION.format(src=src, dst=dst, body=body)


def test_intention_action_must_be_allow_or_deny(tmp_path: Path) -> None:
    files = {"a.hcl": svc("db") + svc("web") + intention("web", "db", '  action = "permit"\n')}
    diag = only_error(tmp_path, files)
    assert diag.summary == 'invalid intention action "permit"'
    assert str(diag.span) == "a.hcl:16:3"


def test_duplicate_intention(tmp_path: Path) -> None:
    files = {"a.hcl": svc("db") + svc("web") + intention("web", "db") + intention("web", "db")}
    diag = only_error(tmp_path, files)
    assert diag.summary == 'duplicate intention "web" -> "db"'
    assert str(diag.span) == "a.hcl:18:1"


PERMISSION = ('  permission {\n    action = "allow"\n    http {\n      path_prefix = "/v1/"\n'
              '      methods = ["GET"]\n    }\n  }\n')


def test_l7_permissions_need_an_http_protocol(tmp_path: Path) -> None:
    files = {"a.hcl": svc("api") + svc("web") + intention("web", "api", PERMISSION)}
    diag = only_error(tmp_path, files)
    assert diag.summary == ('intention "web" -> "api" has L7 permissions but service "api" '
                            'has protocol "tcp"')
    assert str(diag.span) == "a.hcl:16:3"


def test_l7_permissions_with_http_protocol_load(tmp_path: Path) -> None:
    api = svc("api", '  protocol = "http"\n')
    config = load(tmp_path, {"a.hcl": api + svc("web") + intention("web", "api", PERMISSION)}
                  ).config
    (found,) = config.intentions
    assert found.action is None
    assert found.permissions[0].http is not None
    assert found.permissions[0].http.path_prefix == "/v1/"
    assert found.permissions[0].http.methods == ("GET",)


def test_action_and_permissions_together(tmp_path: Path) -> None:
    api = svc("api", '  protocol = "http"\n')
    body = '  action = "deny"\n' + PERMISSION
    diag = only_error(tmp_path, {"a.hcl": api + svc("web") + intention("web", "api", body)})
    assert diag.summary == 'intention "web" -> "api" has both an action and permissions'
    assert str(diag.span) == "a.hcl:17:3"


def test_intention_to_unknown_service_is_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, {"a.hcl": svc("web") + intention("web", "billing")
                             + intention("*", "web")})
    assert [(d.summary, str(d.span)) for d in result.warnings] == [
        ('intention destination "billing" is not a service in this configuration',
         "a.hcl:8:1"),
    ]
    assert not any(d.is_error for d in result.warnings)


def test_settings_blocks_and_defaults(tmp_path: Path) -> None:
    settings = ('nomad {\n  region = "eu"\n}\nconsul {\n  datacenter = "dc2"\n}\n'
                'backend "consul" {\n  path = "ncplan/prod"\n}\n'
                'defaults {\n  datacenters = ["dc9"]\n  sidecar = "envoy"\n'
                '  consul_binary = "/opt/consul"\n}\n')
    config = load(tmp_path, {"a.hcl": settings + svc("db")}).config
    assert config.nomad.region == "eu"
    assert config.consul.datacenter == "dc2"
    assert (config.backend.kind, config.backend.path) == ("consul", "ncplan/prod")
    (db,) = config.services
    assert (db.datacenters, db.sidecar, db.consul_binary) == (("dc9",), "envoy", "/opt/consul")


def test_task_config_env_and_meta_as_blocks(tmp_path: Path) -> None:
    text = ('service "db" {\n  meta {\n    team = "storage"\n  }\n  task {\n'
            '    driver = "raw_exec"\n    config {\n      command = "/bin/db"\n'
            '      args = ["-x"]\n    }\n    env {\n      PORT = 5432\n    }\n'
            '    resources {\n      cpu = 200\n      memory = 256\n    }\n  }\n'
            '  lifecycle {\n    prevent_destroy = true\n  }\n}\n')
    (db,) = load(tmp_path, {"a.hcl": text}).config.services
    assert db.meta == {"team": "storage"}
    assert db.task.config == {"command": "/bin/db", "args": ["-x"]}
    assert db.task.env == {"PORT": "5432"}
    assert (db.task.resources.cpu, db.task.resources.memory) == (200, 256)
    assert db.lifecycle.prevent_destroy is True


def test_builtin_service_with_no_port_and_no_upstream_is_a_warning(tmp_path: Path) -> None:
    idle = svc("idle", '  sidecar = "builtin"\n', port="")
    caller = svc("caller", '  upstream "idle" {}\n', port="")
    envoy = svc("quiet", '  sidecar = "envoy"\n', port="")
    result = load(tmp_path, {"a.hcl": idle + caller + envoy})
    assert [(d.summary, str(d.span), d.is_error) for d in result.warnings] == [
        ('service "idle" has no port and no upstream: its builtin sidecar would run a '
         "connect-proxy task that does nothing", "a.hcl:1:1", False),
    ]
    assert 'set port = "LABEL"' in result.warnings[0].detail
