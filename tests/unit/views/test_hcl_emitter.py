"""The HCL emitter: exact text for a small job, escaping, and python-hcl2 reads it back."""

from __future__ import annotations

import hcl2
import pytest

from ncplan.config.model import Service, Task, Upstream
from ncplan.resources.nomad_job import lower_service
from ncplan.views.hcl import config_entry_to_hcl, hcl_string, hcl_value, job_to_hcl


def test_small_builtin_job_text() -> None:
    service = Service(name="web", task=Task(driver="raw_exec", config={"command": "/bin/web"}),
                      upstreams=(Upstream("db"),), meta={"team": "web"})
    assert job_to_hcl(lower_service(service)) == '''\
job "web" {
  datacenters = ["dc1"]
  type        = "service"

  meta {
    team = "web"
  }

  group "web" {
    count = 1

    network {
      mode = "host"

      port "up_db" {}
    }

    task "web" {
      driver = "raw_exec"

      config {
        command = "/bin/web"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }

    task "connect-proxy" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/consul"
        args    = [
          "connect",
          "proxy",
          "-service",
          "web",
          "-upstream",
          "db:${NOMAD_PORT_up_db}",
        ]
      }

      env {
        CONSUL_HTTP_ADDR = "127.0.0.1:8500"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}
'''


def test_strings_are_escaped_and_nomad_interpolation_kept() -> None:
    assert hcl_string('say "hi"\n') == r'"say \"hi\"\n"'
    assert hcl_string("${NOMAD_PORT_tcp}") == '"${NOMAD_PORT_tcp}"'
    assert hcl_string("%{ if x }") == '"%%{ if x }"'


def test_literal_template_introducers_are_re_escaped() -> None:
    """What Nomad's HCL would evaluate is escaped; plain runtime references stay readable."""
    assert hcl_string("${upper(x)}") == '"$${upper(x)}"'
    assert hcl_string("${var.x}") == '"$${var.x}"'
    assert hcl_string('${env["HOME"]}') == r'"$${env[\"HOME\"]}"'
    assert hcl_string("$${X}") == '"$$${X}"'  # a literal $${X}: "$$" alone would be an escape
    assert hcl_string("%%{x}") == '"%%%{x}"'
    assert hcl_string("a ${attr.unique.network.ip-address} ${meta.rack}") == (
        '"a ${attr.unique.network.ip-address} ${meta.rack}"')
    assert hcl_string("$ $$ ${") == '"$ $$ $${"'


@pytest.mark.parametrize("value", ["${upper(x)}", "$${X}", "%%{x}", "%{ if x }", "${var.x}",
                                   "$$${y} $${z} ${NOMAD_PORT_tcp}", '${env["HOME"]}',
                                   '%{ if a == "\\n" }'])
def test_escaped_strings_read_back_through_the_loader(value: str) -> None:
    """python-hcl2 + ncplan's expander read ``hcl_string(value)`` back as ``value``."""
    from ncplan.config.collector import Sink, Where
    from ncplan.config.hcl import parse_hcl
    from ncplan.config.interpolate import Expander
    from ncplan.config.syntax import Pos

    parsed = parse_hcl(f"a = {hcl_string(value)}\n")
    sink = Sink()
    expanded = Expander(sink, {}).expand(parsed.attributes[0].value,
                                         Where("a.hcl", Pos(1, 1, 1, 1, 0, 0)))
    assert expanded == value
    assert not sink.diagnostics


def test_values() -> None:
    assert hcl_value(True) == "true"
    assert hcl_value(3) == "3"
    assert hcl_value({}) == "{}"
    assert hcl_value({"a-b": 1, "c d": 2}) == '{\n  a-b   = 1\n  "c d" = 2\n}'
    with pytest.raises(TypeError):
        hcl_value(object())


@pytest.mark.parametrize("sidecar", ["builtin", "envoy"])
def test_python_hcl2_reads_the_jobspec_back(sidecar: str) -> None:
    service = Service(name="api", port="http", sidecar=sidecar,  # type: ignore[arg-type]
                      task=Task(driver="docker", config={"image": "x:1", "args": ["-v"]},
                                env={"A": "b"}),
                      upstreams=(Upstream("db", local_bind_port=5432),))
    parsed = hcl2.loads(job_to_hcl(lower_service(service)))
    job = parsed["job"][0]
    assert list(job) == ['"api"']
    group = job['"api"']["group"][0]['"api"']
    assert group["count"] == 1
    tasks = [next(iter(t)) for t in group["task"]]
    assert tasks == (['"api"', '"connect-proxy"'] if sidecar == "builtin" else ['"api"'])


def test_config_entry_hcl() -> None:
    assert config_entry_to_hcl({"Kind": "service-defaults", "Name": "api",
                                "Protocol": "http"}) == (
        'Kind     = "service-defaults"\nName     = "api"\nProtocol = "http"\n')
