"""A plain pair and a secure pair (ACLs, HTTPS) as two clusters: each cluster reads the
token and CA its block names, and a refusal or a TLS failure names the cluster."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from agentlib import Agents, SecureAgents
from plan_helpers import ncplan

pytestmark = pytest.mark.integration

CONFIG = '''
defaults {{
  sidecar_identity = false
}}

cluster "plain" {{
  nomad {{
    address = "{plain_nomad}"
  }}
  consul {{
    address = "{plain_consul}"
  }}
}}

cluster "secure" {{
  nomad {{
    address    = "{secure_nomad}"
    token_env  = "SECURE_NOMAD_TOKEN"
    cacert_env = "SECURE_CA"
  }}
  consul {{
    address    = "{secure_consul}"
    token_env  = "SECURE_CONSUL_TOKEN"
    cacert_env = "SECURE_CA"
  }}
}}

service "db{unique}" {{
  port = "tcp"
  task {{
    driver = "raw_exec"
    config = {{ command = "/bin/true" }}
  }}
}}
'''


def configured(tmp_path: Path, plain: Agents, secure: SecureAgents, unique: str) -> Path:
    (tmp_path / "main.hcl").write_text(CONFIG.format(
        plain_nomad=plain.nomad_addr, plain_consul=plain.consul_addr,
        secure_nomad=secure.nomad_addr, secure_consul=secure.consul_addr, unique=unique))
    return tmp_path


def env(secure: SecureAgents, **overrides: str) -> dict[str, str]:
    return {"NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "COLUMNS": "200",
            "NOMAD_TOKEN": "", "CONSUL_HTTP_TOKEN": "", "NOMAD_CACERT": "", "CONSUL_CACERT": "",
            "SECURE_NOMAD_TOKEN": secure.nomad_token,
            "SECURE_CONSUL_TOKEN": secure.consul_token, "SECURE_CA": str(secure.ca_file),
            **overrides}


def test_each_cluster_reads_the_token_and_ca_its_block_names(
        agents: Agents, secure_agents: SecureAgents, tmp_path: Path, unique: str) -> None:
    planned = ncplan(configured(tmp_path, agents, secure_agents, unique), ["plan"],
                     env(secure_agents))
    assert planned.exit_code == 0, planned.both
    assert f'# nomad_job.db{unique}@secure will be created' in planned.stdout
    assert f'# nomad_job.db{unique}@plain will be created' in planned.stdout


def test_a_refused_token_names_its_cluster(agents: Agents, secure_agents: SecureAgents,
                                           tmp_path: Path, unique: str) -> None:
    refused = ncplan(configured(tmp_path, agents, secure_agents, unique), ["plan"],
                     env(secure_agents, SECURE_CONSUL_TOKEN=str(uuid.uuid4())))
    assert refused.exit_code == 1, refused.both
    said = " ".join(refused.stderr.split())
    assert 'cluster "secure":' in said, said
    assert "403" in said or "ACL" in said, said
    assert "plain" not in said.replace('cluster "secure"', ""), said


def test_a_ca_that_did_not_sign_names_its_cluster(agents: Agents, secure_agents: SecureAgents,
                                                  tmp_path: Path, unique: str) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    subprocess.run([str(secure_agents.consul_binary), "tls", "ca", "create"], cwd=folder,
                   check=True, capture_output=True)
    directory = tmp_path / "config"
    directory.mkdir()
    failed = ncplan(configured(directory, agents, secure_agents, unique), ["plan"],
                    env(secure_agents, SECURE_CA=str(folder / "consul-agent-ca.pem")))
    assert failed.exit_code == 1, failed.both
    said = " ".join(failed.stderr.split())
    assert 'cluster "secure":' in said and "TLS" in said, said


def test_an_unset_token_variable_names_its_cluster_and_the_variable(
        agents: Agents, secure_agents: SecureAgents, tmp_path: Path, unique: str) -> None:
    failed = ncplan(configured(tmp_path, agents, secure_agents, unique), ["plan"],
                    env(secure_agents, SECURE_NOMAD_TOKEN=""))
    assert failed.exit_code == 1, failed.both
    said = " ".join(failed.stderr.split())
    assert 'cluster "secure": the environment variable SECURE_NOMAD_TOKEN is not set' in said
