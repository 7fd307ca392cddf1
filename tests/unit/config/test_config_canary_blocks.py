"""A service's ``canary`` and ``route`` blocks: decoded, checked as Consul would refuse
them, and lowered to config entries beside the job's canary update and track meta."""

from __future__ import annotations

from pathlib import Path

from config_helpers import load, only_error

from ncplan.resources.desired import lower_config

SERVICE = '''
service "api" {
  port     = "http"
  protocol = "PROTOCOL"
  sidecar  = "envoy"
  task {
    driver = "exec"
    config = { command = "/bin/api" }
  }
  canary {
    weight = WEIGHT
    count  = 2
  }
  route "/admin" {
    service = "api-admin"
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
'''


def _main(protocol: str = "http", weight: str = "10") -> dict[str, str]:
    return {"main.hcl": SERVICE.replace("PROTOCOL", protocol).replace("WEIGHT", weight)}


def test_the_blocks_are_decoded_and_lowered_to_three_entries_and_the_job(
        tmp_path: Path) -> None:
    config = load(tmp_path, _main()).config
    api = next(s for s in config.services if s.name == "api")
    assert api.canary is not None and (api.canary.weight, api.canary.count) == (10, 2)
    assert [(r.path_prefix, r.service) for r in api.routes] == [("/admin", "api-admin")]
    lowered = {r.address: r for r in lower_config(config)}
    splitter = lowered["consul_config_entry.service-splitter.api"]
    assert [s["Weight"] for s in splitter.body["Splits"]] == [90, 10]
    assert "consul_config_entry.service-resolver.api" in splitter.depends_on
    router = lowered["consul_config_entry.service-router.api"]
    assert router.body["Routes"][0]["Destination"] == {"Service": "api-admin"}
    group = lowered["nomad_job.api"].body["TaskGroups"][0]
    assert group["Update"] == {"Canary": 2, "AutoPromote": False}
    assert group["Services"][0]["CanaryMeta"] == {"ncplan_track": "canary"}


def test_a_canary_on_a_tcp_service_is_refused_where_it_stands(tmp_path: Path) -> None:
    error = only_error(tmp_path, {"main.hcl": _main("tcp")["main.hcl"].replace(
        '  route "/admin" {\n    service = "api-admin"\n  }\n', "")})
    assert 'uses a protocol "tcp" that does not permit' in error.summary
    assert error.span is not None and error.source_line == "  canary {"


def test_a_weight_over_100_is_refused(tmp_path: Path) -> None:
    error = only_error(tmp_path, _main(weight="110"))
    assert "canary weight must be 0 to 100" in error.summary


def test_an_entry_file_of_the_same_kind_and_name_is_a_duplicate(tmp_path: Path) -> None:
    files = {**_main(), "api-splitter.consul.hcl":
             'Kind = "service-splitter"\nName = "api"\nSplits = [{ Weight = 100 }]\n'}
    error = only_error(tmp_path, files)
    assert "is also made by service \"api\"'s canary or route blocks" in error.summary


def test_a_canary_only_builtin_sidecars_call_is_a_warning(tmp_path: Path) -> None:
    caller = '''
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
'''
    found = load(tmp_path, {"main.hcl": _main()["main.hcl"] + caller}).warnings
    assert [d.summary for d in found if not d.is_error] == [
        'service "api"\'s canary and route blocks have no effect: only builtin sidecars '
        'call it (web)']
