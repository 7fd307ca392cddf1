"""Sidecar identities with least-privilege tokens made from examples/acl/ on the secure pair:
a token that lacks ``acl = "write"`` fails the apply naming what to grant and records
nothing half-done; and a full plan/apply/destroy cycle leaks no secret into any byte
ncplan wrote or printed.

Everything runs through the CLI: ``plan``, ``apply``, ``destroy``, ``show``, ``state``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from agentlib import SecureAgents
from identitylib import SecureScenario, make_scenario, purge
from test_secure_acl import consul_token, nomad_token

from ncplan.resources.sidecar_identity import token_accessor_id
from ncplan.state.backends.local import open_local

ROOT = Path(__file__).resolve().parents[2]
ACL = ROOT / "examples" / "acl"
SENSITIVE = "sensitive-VALUE-7f3a9c"


@dataclass(frozen=True)
class LeastPrivilege:
    consul: str  # ncplan + sidecar-identities
    nomad: str  # ncplan + sidecar-identities
    consul_acl_read: str  # ncplan + acl = "read": plans, cannot create sidecar tokens


@pytest.fixture(scope="module")
def least(secure_agents: SecureAgents) -> LeastPrivilege:
    ncplan_rules = (ACL / "ncplan.consul-policy.hcl").read_text()
    identities = (ACL / "sidecar-identities.consul-policy.hcl").read_text()
    nomad_rules = ((ACL / "ncplan.nomad-policy.hcl").read_text() + "\n"
                   + (ACL / "sidecar-identities.nomad-policy.hcl").read_text())
    return LeastPrivilege(
        consul=consul_token(secure_agents, "identities", ncplan_rules, identities),
        nomad=nomad_token(secure_agents, "ncplan-identities", nomad_rules),
        consul_acl_read=consul_token(secure_agents, "acl-read", ncplan_rules,
                                     'acl = "read"\n'))


@pytest.fixture
def scenario(tmp_path: Path, secure_agents: SecureAgents, unique: str) -> Iterator[SecureScenario]:
    found = make_scenario(tmp_path, secure_agents, unique)
    found.write(action="allow", identity=True)
    yield found
    purge(found)


def test_a_token_without_acl_write_fails_the_apply_naming_what_to_grant(
        scenario: SecureScenario, least: LeastPrivilege) -> None:
    env = scenario.env(consul_token=least.consul_acl_read, nomad_token=least.nomad)
    plan = scenario.plan_file(env=env)  # acl = "read" is enough to plan
    run = scenario.apply(plan, env)

    assert run.exit_code == 1, run.both
    token = f"consul_acl_token.{scenario.db}"
    said = " ".join(run.stderr.split())
    assert (f"Failed: {token}: Consul refused PUT /v1/acl/token (403 Permission denied: ") in said
    assert "lacks permission 'acl:write'" in said  # Consul's own words
    assert 'the token needs acl = "write"' in said
    assert "Traceback" not in run.both
    state = open_local(scenario.directory / "ncplan.state.json").read()
    recorded = {r.address for r in state.resources} if state is not None else set()
    assert not recorded & {token, f"nomad_variable.{scenario.db}", f"nomad_job.{scenario.db}",
                           f"nomad_job.{scenario.web}"}  # nothing half-recorded
    assert scenario.agents.consul(
        "GET", f"/v1/acl/token/{token_accessor_id(scenario.db)}").status_code == 403
    # the lock was released: a plan that will not wait for it runs
    again = scenario.cli(["plan", "--lock-timeout", "0s"], env)
    assert again.exit_code == 0, again.both


@dataclass(frozen=True)
class Printed:
    args: tuple[str, ...]
    returncode: int
    output: bytes


def run_cli(directory: Path, args: Sequence[str], env: dict[str, str]) -> Printed:
    """ncplan in a subprocess, so every byte it prints (logging included) is caught."""
    done = subprocess.run([sys.executable, "-m", "ncplan", "-C", str(directory), *args],
                          env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, timeout=120, cwd=directory)
    return Printed(tuple(args), done.returncode, done.stdout + done.stderr)


def written(directory: Path) -> dict[str, bytes]:
    """Every file under the configuration directory except main.hcl (ncplan's own)."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in directory.rglob("*") if p.is_file() and p.name != "main.hcl"}


def leaks(secrets: dict[str, str], printed: Sequence[Printed],
          files: dict[str, bytes]) -> list[str]:
    found = []
    for name, value in secrets.items():
        needle = value.encode()
        found += [f"{name} printed by ncplan {' '.join(p.args)}" for p in printed
                  if needle in p.output]
        found += [f"{name} written to {path}" for path, data in files.items()
                  if needle in data]
    return found


def test_a_plan_apply_destroy_cycle_leaks_no_token(
        scenario: SecureScenario, least: LeastPrivilege, secure_agents: SecureAgents) -> None:
    env = {**scenario.env(consul_token=least.consul, nomad_token=least.nomad),
           "NCPLAN_NO_CACHE": "", "NCPLAN_VAR_db_password": SENSITIVE}
    main = scenario.directory / "main.hcl"
    text = main.read_text().replace('    driver = "raw_exec"\n', '    driver = "raw_exec"\n'
                                    '    env = { DB_PASSWORD = var.db_password }\n', 1)
    main.write_text(text + 'variable "db_password" {\n  sensitive = true\n}\n')
    directory, printed = scenario.directory, []
    saved, destroying = str(directory / "apply.plan"), str(directory / "destroy.plan")

    def cli(*args: str, extra: dict[str, str] | None = None) -> Printed:
        done = run_cli(directory, args, {**env, **(extra or {})})
        printed.append(done)
        return done

    for args in (("plan",), ("plan", "--json"), ("plan", "--markdown"),
                 ("plan", "--out", saved)):
        assert cli(*args).returncode == 0, printed[-1].output.decode()
    assert cli("apply", "--no-wait", saved).returncode == 0, printed[-1].output.decode()
    secrets = {"NOMAD_TOKEN": least.nomad, "CONSUL_HTTP_TOKEN": least.consul,
               "the sensitive variable": SENSITIVE}
    for name in (scenario.db, scenario.web):
        answer = secure_agents.consul("GET", f"/v1/acl/token/{token_accessor_id(name)}")
        secrets[f"{name}'s sidecar SecretID"] = str(answer.json()["SecretID"])
    assert cli("plan", "--detailed-exitcode").returncode == 0, printed[-1].output.decode()
    for args in (("show",), ("show", "--json"), ("show", saved),
                 ("show", "--json", saved), ("state", "list"),
                 ("state", "show", f"nomad_variable.{scenario.db}"),
                 ("state", "show", f"consul_acl_token.{scenario.db}"), ("state", "pull")):
        assert cli(*args).returncode == 0, printed[-1].output.decode()
    applied = {f"{path} (after apply)": data for path, data in written(directory).items()}
    assert "ncplan.state.json (after apply)" in applied
    stale = cli("apply", "--no-wait", saved, extra={"NCPLAN_DEBUG": "1"})
    assert stale.returncode == 1 and b"Traceback" in stale.output  # a used plan file
    failing = cli("plan", extra={"NCPLAN_DEBUG": "1",
                                 "NOMAD_ADDR": secure_agents.nomad_addr.replace(
                                     "https://", "http://")})
    assert failing.returncode == 1 and b"Traceback" in failing.output
    assert cli("plan", "--destroy", "--out", destroying).returncode == 0
    assert cli("destroy", "--auto-approve", "--no-wait", "--json").returncode == 0, \
        printed[-1].output.decode()
    assert secure_agents.consul(
        "GET", f"/v1/acl/token/{token_accessor_id(scenario.db)}").status_code == 403
    assert secure_agents.nomad("GET", f"/v1/var/nomad/jobs/{scenario.db}").status_code == 404

    files = {**applied, **written(directory)}
    assert {"ncplan.state.json", "apply.plan", "destroy.plan"} <= set(files)
    assert any(path.startswith(".ncplan/cache/") for path in files), sorted(files)
    assert leaks(secrets, printed, files) == []
