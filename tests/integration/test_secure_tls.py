"""TLS against the secure pair through the real CLI (``python -m ncplan``, so the warning
goes through the CLI's own stderr): a wrong or missing CA names the file and the address,
turning verification off works and warns once per run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agentlib import SecureAgents

from ncplan.providers.nomad_job import NomadJobs
from ncplan.transport.nomad import NomadHttpSettings
from ncplan.transport.tls import unverified_text


def ncplan(directory: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**{k: v for k, v in os.environ.items()
               if not k.startswith(("CONSUL_", "NOMAD_", "REQUESTS_CA"))},
            "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "ncplan", "-C", str(directory), *args],
                          env=full, capture_output=True, text=True, timeout=60, check=False)


def backend(tmp_path: Path, unique: str) -> Path:
    (tmp_path / "main.hcl").write_text(f'backend "consul" {{ path = "ncplan/tls-{unique}" }}\n')
    return tmp_path


def other_ca(agents: SecureAgents, folder: Path) -> Path:
    """A CA made the same way as the pair's, that did not sign the pair's certificates."""
    folder.mkdir()
    subprocess.run([str(agents.consul_binary), "tls", "ca", "create"], cwd=folder, check=True,
                   capture_output=True)
    return folder / "consul-agent-ca.pem"


def test_the_right_ca_works_silently(secure_agents: SecureAgents, tmp_path: Path,
                                     unique: str) -> None:
    result = ncplan(backend(tmp_path, unique), secure_agents.env(), "state", "list")
    assert (result.returncode, result.stderr) == (0, "")


def test_a_ca_that_did_not_sign_names_the_file_and_the_address(
        secure_agents: SecureAgents, tmp_path: Path, unique: str) -> None:
    wrong = other_ca(secure_agents, tmp_path / "other")
    env = {**secure_agents.env(), "CONSUL_CACERT": str(wrong)}
    result = ncplan(backend(tmp_path, unique), env, "state", "list")
    assert result.returncode == 1
    stderr = " ".join(result.stderr.split())
    assert (f"TLS with Consul at {secure_agents.consul_addr} failed: the CA file {wrong} "
            f"(CONSUL_CACERT) did not sign the certificate of {secure_agents.consul_addr}"
            in stderr), result.stderr


def test_a_missing_ca_names_the_file_and_the_address(
        secure_agents: SecureAgents, tmp_path: Path, unique: str) -> None:
    missing = tmp_path / "no-ca.pem"
    env = {**secure_agents.env(), "CONSUL_CACERT": str(missing)}
    result = ncplan(backend(tmp_path, unique), env, "state", "list")
    assert result.returncode == 1
    assert (f"cannot verify Consul at {secure_agents.consul_addr}: the CA file {missing} "
            "(CONSUL_CACERT) is no such file" in " ".join(result.stderr.split())), result.stderr


def test_consul_ssl_verify_false_works_and_warns_once(
        secure_agents: SecureAgents, tmp_path: Path, unique: str) -> None:
    env = {**secure_agents.env(), "CONSUL_HTTP_SSL_VERIFY": "false"}
    del env["CONSUL_CACERT"]
    result = ncplan(backend(tmp_path, unique), env, "state", "list")
    assert result.returncode == 0, result.stderr
    warning = unverified_text("Consul", secure_agents.consul_addr,
                              "CONSUL_HTTP_SSL_VERIFY=false")
    assert result.stderr.splitlines() == [warning]


def test_nomad_skip_verify_reaches_the_secure_nomad(secure_agents: SecureAgents,
                                                    unique: str) -> None:
    env = {**secure_agents.env(), "NOMAD_SKIP_VERIFY": "true"}
    del env["NOMAD_CACERT"]
    assert NomadJobs(NomadHttpSettings.resolve(env=env)).read(f"none-{unique}") is None
