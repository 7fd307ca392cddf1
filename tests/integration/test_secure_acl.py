"""ncplan against the secure pair (ACLs with default deny, HTTPS only), with tokens made
from exactly the policies in examples/acl/: every provider call and state command works,
and a token that lacks a capability gets a 403 that says which one."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from agentlib import SecureAgents
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.errors import ProviderError
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.nomad_job import NomadJobs
from ncplan.state.codec import encode
from ncplan.state.model import ResourceState, State
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

ACL = Path(__file__).resolve().parents[2] / "examples" / "acl"
ONCE = RetryPolicy(tries=1)
JOB_HCL = """
job "%s" {
  datacenters = ["dc1"]
  group "app" {
    task "app" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "sleep 3600"]
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Tokens:
    consul: str  # ncplan.consul-policy.hcl + service-defaults.consul-policy.hcl
    nomad: str  # ncplan.nomad-policy.hcl
    consul_without_intentions: str  # ncplan.consul-policy.hcl with intentions = "write" taken out


def consul_token(agents: SecureAgents, name: str, *rules: str) -> str:
    policies = []
    for number, text in enumerate(rules):
        policy = f"{name}-{number}-{uuid.uuid4().hex[:6]}"
        answer = agents.consul("PUT", "/v1/acl/policy", json={"Name": policy, "Rules": text})
        assert answer.status_code == 200, answer.text
        policies.append({"Name": policy})
    answer = agents.consul("PUT", "/v1/acl/token", json={"Policies": policies})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["SecretID"])


def nomad_token(agents: SecureAgents, name: str, rules: str) -> str:
    answer = agents.nomad("POST", f"/v1/acl/policy/{name}", json={"Name": name, "Rules": rules})
    assert answer.status_code == 200, answer.text
    answer = agents.nomad("POST", "/v1/acl/token", json={"Type": "client", "Policies": [name]})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["SecretID"])


@pytest.fixture(scope="module")
def tokens(secure_agents: SecureAgents) -> Tokens:
    consul_rules = (ACL / "ncplan.consul-policy.hcl").read_text()
    defaults_rules = (ACL / "service-defaults.consul-policy.hcl").read_text()
    without = consul_rules.replace('  intentions = "write"\n', "")
    assert without != consul_rules
    return Tokens(
        consul=consul_token(secure_agents, "ncplan", consul_rules, defaults_rules),
        nomad=nomad_token(secure_agents, "ncplan", (ACL / "ncplan.nomad-policy.hcl").read_text()),
        consul_without_intentions=consul_token(secure_agents, "no-intentions", without,
                                               defaults_rules))


def consul_settings(agents: SecureAgents, token: str) -> ConsulHttpSettings:
    return ConsulHttpSettings.resolve(env=agents.env(consul_token=token))


def test_the_pair_refuses_anonymous_calls_and_plain_http(secure_agents: SecureAgents) -> None:
    """What makes the pair secure: no token, no access; no certificate check, no answer."""
    assert secure_agents.consul("GET", "/v1/kv/x", token="").status_code == 403
    assert secure_agents.nomad("GET", "/v1/jobs", token=str(uuid.uuid4())).status_code == 403
    mesh = ConsulIntentions(consul_settings(secure_agents, "")).mesh_policy()
    assert mesh.denies_by_default


def test_the_nomad_policy_covers_parse_plan_register_read_deregister(
        secure_agents: SecureAgents, tokens: Tokens, unique: str) -> None:
    settings = NomadHttpSettings.resolve(env=secure_agents.env(nomad_token=tokens.nomad))
    jobs = NomadJobs(settings, retry=ONCE)
    name = f"secure-{unique}"
    job = jobs.parse(JOB_HCL % name)
    assert jobs.plan(job).diff_type == "Added"
    index = jobs.register(job, 0)
    live = jobs.read(name)
    assert live is not None and live.modify_index == index
    jobs.deregister(name, purge=True)
    assert jobs.read(name) is None


def test_the_consul_policies_cover_intentions_defaults_and_the_mesh_policy(
        secure_agents: SecureAgents, tokens: Tokens, unique: str) -> None:
    settings = consul_settings(secure_agents, tokens.consul)
    intentions = ConsulIntentions(settings, retry=ONCE)
    destination = f"db-{unique}"
    index = intentions.upsert_source(destination, {"Name": "web", "Action": "allow"}, 0)
    live = intentions.read(destination)
    assert live is not None and live.source("web") is not None
    assert intentions.remove_source(destination, "web", index) == 0
    assert intentions.read(destination) is None
    defaults = ConsulServiceDefaults(settings, retry=ONCE)
    created = defaults.write(destination, {"Protocol": "tcp"}, 0)
    defaults.delete(destination, created)
    assert defaults.read(destination) is None
    mesh = intentions.mesh_policy()
    assert (mesh.acl_enabled, mesh.acl_default_policy) == (True, "deny")


def test_state_push_list_rm_on_the_consul_backend(secure_agents: SecureAgents, tokens: Tokens,
                                                   unique: str, tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(f'backend "consul" {{ path = "ncplan/{unique}" }}\n')
    resources = [ResourceState(f"nomad_job.{name}", "nomad_job", name, {"Name": name}, 1)
                 for name in ("db", "web")]
    state = State.new(resources)
    pushed = tmp_path / "push.json"
    pushed.write_bytes(encode(replace(state, serial=3)))
    runner = CliRunner(env={"NO_COLOR": "1", **secure_agents.env(consul_token=tokens.consul)})
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "push", str(pushed)])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "rm", "nomad_job.db"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "list"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "nomad_job.web\n", "")
    stored = secure_agents.consul("GET", f"/v1/kv/ncplan/{unique}?raw")
    assert json.loads(stored.text)["serial"] == 4


def test_a_token_without_intentions_write_is_told_what_to_grant(
        secure_agents: SecureAgents, tokens: Tokens, unique: str) -> None:
    settings = consul_settings(secure_agents, tokens.consul_without_intentions)
    destination = f"db-{unique}"
    with pytest.raises(ProviderError) as caught:
        ConsulIntentions(settings, retry=ONCE).upsert_source(
            destination, {"Name": "web", "Action": "allow"}, 0)
    message = caught.value.message
    assert message.startswith(f"consul_intention.web:{destination}: Consul refused PUT "
                              "/v1/config (403 Permission denied: token with AccessorID '")
    assert message.endswith(f"lacks permission 'intention:write' on \"{destination}\"): "
                            f"the token needs intentions = \"write\" on service "
                            f"\"{destination}\"")
    assert tokens.consul_without_intentions not in message + (caught.value.hint or "")
    assert secure_agents.consul(
        "GET", f"/v1/config/service-intentions/{destination}").status_code == 404


def test_a_nomad_token_without_submit_job_is_told_what_to_grant(
        secure_agents: SecureAgents, unique: str) -> None:
    reader = nomad_token(secure_agents, f"reader-{unique}",
                         'namespace "default" { capabilities = ["read-job", "parse-job"] }')
    jobs = NomadJobs(NomadHttpSettings.resolve(env=secure_agents.env(nomad_token=reader)),
                     retry=ONCE)
    name = f"refused-{unique}"
    job = jobs.parse(JOB_HCL % name)
    with pytest.raises(ProviderError) as caught:
        jobs.register(job, 0)
    assert caught.value.message == (
        f"nomad_job.{name}: Nomad refused PUT /v1/job/{name} (403 Permission denied): "
        "the token needs submit-job on namespace \"default\"")


def test_a_token_without_the_state_key_is_told_what_to_grant(
        secure_agents: SecureAgents, unique: str, tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(f'backend "consul" {{ path = "state/{unique}" }}\n')
    token = consul_token(secure_agents, "ncplan", (ACL / "ncplan.consul-policy.hcl").read_text())
    runner = CliRunner(env={"NO_COLOR": "1", **secure_agents.env(consul_token=token)})
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "list"])
    assert result.exit_code == 1
    stderr = " ".join(result.stderr.split())
    assert f"lacks permission 'key:read' on \"state/{unique}\": the token needs policy = " \
           f"\"read\" on key \"state/{unique}\"" in stderr, result.stderr
    assert token not in result.stderr
