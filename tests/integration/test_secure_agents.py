"""The secure pair itself (scripts/devagents.py --secure): HTTPS only, ACLs with default
deny, secrets in 0600 files, raw_exec tasks run, and `up --secure` / `status` / `down`."""

from __future__ import annotations

import json
import stat
import sys
import time
from pathlib import Path

import pytest
import requests
from agentlib import SecureAgents

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import devagents


def test_secrets_are_0600_files_in_the_run_dir(secure_agents: SecureAgents) -> None:
    secrets = ["consul-management.token", "nomad-management.token", "nomad-consul.token",
               "consul-secure.hcl", "nomad-secure.hcl", "tls/consul-agent-ca-key.pem",
               "tls/dc1-server-consul-0-key.pem", "tls/dc1-server-consul-1-key.pem"]
    for name in secrets:
        mode = stat.S_IMODE((secure_agents.run_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    assert stat.S_IMODE(secure_agents.run_dir.stat().st_mode) == 0o700


def test_https_only_and_acls_deny_by_default(secure_agents: SecureAgents) -> None:
    for address in (secure_agents.consul_addr, secure_agents.nomad_addr):
        plain = requests.get(address.replace("https://", "http://") + "/v1/status/leader",
                             timeout=5)
        assert plain.status_code == 400
        assert "HTTP request to an HTTPS server" in plain.text
    debug = secure_agents.consul("GET", "/v1/agent/self").json()["DebugConfig"]
    port = int(secure_agents.consul_addr.rsplit(":", 1)[1])
    assert (debug["HTTPPort"], debug["HTTPSPort"]) == (-1, port)  # no plain HTTP port
    assert secure_agents.consul("GET", "/v1/agent/self", token="").status_code == 403
    assert secure_agents.nomad("GET", "/v1/jobs", token="").status_code == 403
    agent = secure_agents.consul("GET", "/v1/agent/self").json()
    assert agent["DebugConfig"]["ACLResolverSettings"]["ACLDefaultPolicy"] == "deny"


def test_nomad_registers_into_consul_with_its_own_token(secure_agents: SecureAgents) -> None:
    services = secure_agents.consul("GET", "/v1/catalog/services").json()
    assert "nomad" in services and "nomad-client" in services
    token = (secure_agents.run_dir / "nomad-consul.token").read_text().strip()
    self_ = secure_agents.consul("GET", "/v1/acl/token/self", token=token).json()
    assert [p["Name"] for p in self_["Policies"]] == ["nomad-agent"]


def test_raw_exec_tasks_run(secure_agents: SecureAgents, unique: str) -> None:
    job_id = f"secure-raw-{unique}"
    job = {"ID": job_id, "Name": job_id, "Type": "batch", "Datacenters": ["dc1"],
           "TaskGroups": [{"Name": "main", "Count": 1, "Tasks": [{
               "Name": "main", "Driver": "raw_exec",
               "Config": {"command": "/bin/sh", "args": ["-c", "echo ran"]},
               "Resources": {"CPU": 20, "MemoryMB": 16}}]}]}
    assert secure_agents.nomad("PUT", "/v1/jobs", json={"Job": job}).status_code == 200
    deadline = time.monotonic() + 30
    statuses: list[str] = []
    while time.monotonic() < deadline:
        allocs = secure_agents.nomad("GET", f"/v1/job/{job_id}/allocations").json()
        statuses = [a["ClientStatus"] for a in allocs]
        if "complete" in statuses:
            break
        time.sleep(0.5)
    secure_agents.nomad("DELETE", f"/v1/job/{job_id}", params={"purge": "true"})
    assert "complete" in statuses, statuses


def test_up_secure_status_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """The command on free ports and a private run-state file (the standard ports are
    shared by everyone on this machine)."""
    monkeypatch.setattr(devagents, "RUN_STATE", tmp_path / "run" / "agents.json")
    monkeypatch.setattr(devagents, "standard_ports_if_free", lambda secure=False: None)
    assert devagents.main(["up", "--secure"]) == 0
    try:
        out = capsys.readouterr().out.splitlines()
        pair = devagents.AgentPair(**json.loads(devagents.RUN_STATE.read_text()))
        assert pair.secure
        assert out == [f"export CONSUL_HTTP_ADDR={pair.consul_addr}",
                       f"export NOMAD_ADDR={pair.nomad_addr}",
                       f"export CONSUL_CACERT={pair.ca_file}",
                       f"export CONSUL_HTTP_TOKEN=$(cat {pair.consul_token_file})",
                       f"export NOMAD_CACERT={pair.ca_file}",
                       f"export NOMAD_TOKEN=$(cat {pair.nomad_token_file})"]
        assert pair.consul_addr.startswith("https://")
        assert devagents.main(["up"]) == 1
        assert "a secure pair is already up" in capsys.readouterr().err
        assert devagents.main(["status"]) == 0
        err = capsys.readouterr().err
        assert f"consul {pair.consul_addr} pid {pair.consul_pid}: up" in err
        assert f"nomad  {pair.nomad_addr} pid {pair.nomad_pid}: up" in err
    finally:
        assert devagents.main(["down"]) == 0
    assert not devagents._pid_alive(pair.consul_pid)
    assert not devagents._pid_alive(pair.nomad_pid)
    assert not Path(pair.run_dir).exists()
