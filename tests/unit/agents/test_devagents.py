"""The dev-agent tooling's own logic, without building or starting anything."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))

import devagents


def test_missing_binaries_name_the_build_command(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devagents, "CACHE_ROOT", tmp_path)
    with pytest.raises(devagents.AgentError) as error:
        devagents.binaries_or_error()
    assert "scripts/agents build" in str(error.value)
    assert "consul or nomad" in str(error.value)


def test_start_without_binaries_fails_before_starting_anything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devagents, "CACHE_ROOT", tmp_path)
    with pytest.raises(devagents.AgentError, match="scripts/agents build"):
        devagents.start(tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_build_is_a_no_op_when_a_working_binary_is_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(devagents, "CACHE_ROOT", tmp_path)
    for release in devagents.RELEASES:
        release.binary.parent.mkdir(parents=True)
        release.binary.write_text(f"#!/bin/sh\necho '{release.name} {release.version}'\n")
        release.binary.chmod(0o755)
    monkeypatch.setattr(devagents, "_module_dir", lambda *a: pytest.fail("downloaded a module"))
    devagents.build()
    err = capsys.readouterr().err
    assert "consul v1.14.11 already built" in err
    assert "nomad v1.6.1 already built" in err


def test_licence_check_refuses_busl_and_forbidden_modules(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("Business Source License 1.1\n")
    (tmp_path / "go.mod").write_text("module github.com/hashicorp/consul\n")
    with pytest.raises(devagents.AgentError, match=r"not under MPL-2\.0"):
        devagents.check_licence(devagents.CONSUL, tmp_path)
    (tmp_path / "LICENSE").write_text("Mozilla Public License, version 2.0\n")
    (tmp_path / "go.mod").write_text("require github.com/hashicorp/consul/envoyextensions v0.1.0\n")
    with pytest.raises(devagents.AgentError, match="envoyextensions"):
        devagents.check_licence(devagents.CONSUL, tmp_path)


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = devagents.free_ports(8)
    assert len(set(ports)) == 8
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_secure_is_an_option_of_up_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert devagents.main(["down", "--secure"]) == 2
    assert devagents.main(["up", "--secure", "extra"]) == 2
    assert "up [--secure]" in capsys.readouterr().err


def test_exports_of_a_secure_pair_name_https_the_ca_and_the_token_files() -> None:
    plain = devagents.AgentPair("/run/x", 8500, 4646)
    assert plain.exports() == [
        "export CONSUL_HTTP_ADDR=http://127.0.0.1:8500", "export NOMAD_ADDR=http://127.0.0.1:4646",
        "export NCPLAN_TEST_CONSUL_ADDR=http://127.0.0.1:8500",
        "export NCPLAN_TEST_NOMAD_ADDR=http://127.0.0.1:4646"]
    secure = devagents.AgentPair("/run/x", 8501, 4646, secure=True)
    assert secure.exports() == [
        "export CONSUL_HTTP_ADDR=https://127.0.0.1:8501",
        "export NOMAD_ADDR=https://127.0.0.1:4646",
        "export CONSUL_CACERT=/run/x/tls/consul-agent-ca.pem",
        "export CONSUL_HTTP_TOKEN=$(cat /run/x/consul-management.token)",
        "export NOMAD_CACERT=/run/x/tls/consul-agent-ca.pem",
        "export NOMAD_TOKEN=$(cat /run/x/nomad-management.token)"]


def test_a_secure_pair_wants_consuls_https_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devagents, "_port_free", lambda port: True)
    assert (devagents.standard_ports_if_free(secure=True) or {})["consul_http"] == 8501
    assert (devagents.standard_ports_if_free() or {})["consul_http"] == 8500


def test_an_older_run_state_without_the_secure_field_still_loads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devagents, "RUN_STATE", tmp_path / "agents.json")
    devagents.RUN_STATE.write_text('{"run_dir": "/r", "consul_http_port": 1, '
                                   '"nomad_http_port": 2}')
    loaded = devagents._load_running()
    assert loaded is not None and not loaded.secure


def test_the_agents_never_inherit_a_shells_nomad_or_consul_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOMAD_ADDR", "https://prod.example:4646")
    monkeypatch.setenv("CONSUL_HTTP_TOKEN", "a-prod-token")
    env = devagents.agent_env()
    assert "NOMAD_ADDR" not in env and "CONSUL_HTTP_TOKEN" not in env
    assert env["PATH"] == os.environ["PATH"]


def test_a_named_pair_is_recorded_beside_the_default_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devagents, "RUN_STATE", tmp_path / "agents.json")
    assert devagents.run_state() == tmp_path / "agents.json"
    assert devagents.run_state("east") == tmp_path / "agents-east.json"
    (tmp_path / "agents-east.json").write_text('{"run_dir": "/e", "consul_http_port": 3, '
                                               '"nomad_http_port": 4}')
    east = devagents._load_running("east")
    assert east is not None and east.consul_http_port == 3
    assert devagents._load_running() is None
    assert devagents.main(["up", "--name"]) == 2
    assert devagents.main(["down", "--name", "no/pe"]) == 2
