"""The plan's coverage warnings follow discovery chains from entry files: under default
deny, web -> api with api's router sending /admin to api-admin needs web -> api-admin;
and a router only builtin (L4) sidecars call is a warning."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ncplan.cli import app

UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "200"}
SERVICES = """
defaults {
  datacenters = ["dc1"]
  sidecar     = "SIDECAR"
}
service "api" {
  port     = "http"
  protocol = "http"
  task {
    driver = "exec"
    config = { command = "/bin/api" }
  }
}
service "api-admin" {
  port     = "http"
  protocol = "http"
  task {
    driver = "exec"
    config = { command = "/bin/admin" }
  }
}
service "web" {
  port = "http"
  task {
    driver = "exec"
    config = { command = "/bin/web" }
  }
  upstream "api" {
    local_bind_port = 8080
  }
}
intention "*" "*" {
  action = "deny"
}
intention "web" "api" {
  action = "allow"
}
"""
ROUTER = """Kind = "service-router"
Name = "api"
Routes = [
  {
    Match = { HTTP = { PathPrefix = "/admin" } }
    Destination = { Service = "api-admin" }
  },
]
"""
CHAIN = "web -> api -> api-admin: api's discovery chain sends requests to api-admin"


def _plan(tmp_path: Path, services: str) -> str:
    (tmp_path / "main.hcl").write_text(services)
    (tmp_path / "api-router.consul.hcl").write_text(ROUTER)
    run = CliRunner().invoke(app, ["-C", str(tmp_path), "plan", "--no-refresh"],
                             env=UNREACHABLE)
    assert run.exit_code == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def test_a_route_to_a_service_the_caller_may_not_reach_warns_naming_the_chain(
        tmp_path: Path) -> None:
    assert CHAIN in _plan(tmp_path, SERVICES.replace("SIDECAR", "envoy"))


def test_an_allow_to_the_routed_service_covers_the_chain(tmp_path: Path) -> None:
    allowed = SERVICES.replace("SIDECAR", "envoy") + \
        'intention "web" "api-admin" {\n  action = "allow"\n}\n'
    assert CHAIN not in _plan(tmp_path, allowed)


def test_a_router_only_builtin_sidecars_call_warns(tmp_path: Path) -> None:
    printed = _plan(tmp_path, SERVICES.replace("SIDECAR", "builtin"))
    assert 'service-router "api" has no effect: only builtin sidecars call "api"' in printed
