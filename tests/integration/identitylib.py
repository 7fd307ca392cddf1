"""The seed scenario on the secure pair (ACLs default deny, HTTPS): a db echo server and a
web sleeper, each with a builtin sidecar reaching Consul over HTTPS, named with a unique
suffix so tests sharing the pair never collide.

``ncplan plan --out`` and ``ncplan apply --no-wait PLANFILE`` run through the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentlib import SecureAgents
from meshlib import mesh_programs
from plan_helpers import Run, ncplan
from purging import purge_jobs

from ncplan.resources.sidecar_identity import token_accessor_id

CONFIG = """\
defaults {{
  datacenters         = ["dc1"]
  sidecar             = "builtin"
  consul_binary       = "{consul_binary}"
  consul_agent        = "{consul_agent}"
  consul_agent_cacert = "{ca_file}"
{identity}}}

service "{db}" {{
  port = "tcp"
  task {{
    driver = "raw_exec"
    config = {{
      command = "{db_command}"
      args    = ["-bind", "127.0.0.1:${{NOMAD_PORT_tcp}}"]
    }}
  }}
}}

service "{web}" {{
  task {{
    driver = "raw_exec"
    config = {{
      command = "{web_command}"
    }}
  }}
  upstream "{db}" {{}}
}}
"""
INTENTION = """
intention "{web}" "{db}" {{
  action = "{action}"
}}
"""


@dataclass(frozen=True)
class SecureScenario:
    directory: Path
    db: str
    web: str
    agents: SecureAgents
    bin_dir: Path

    def write(self, *, action: str | None = "allow", identity: bool | None = None) -> None:
        """main.hcl: ``action`` of the intention web -> db (None: no intention);
        ``identity``: ``sidecar_identity`` (None: unset)."""
        line = "" if identity is None else f"  sidecar_identity    = {str(identity).lower()}\n"
        text = CONFIG.format(
            consul_binary=self.agents.consul_binary, consul_agent=self.agents.consul_addr,
            ca_file=self.agents.ca_file, identity=line, db=self.db, web=self.web,
            db_command=self.bin_dir / "echo-db", web_command=self.bin_dir / "sleeper")
        if action is not None:
            text += INTENTION.format(web=self.web, db=self.db, action=action)
        (self.directory / "main.hcl").write_text(text)

    def env(self, **tokens: str) -> dict[str, str]:
        return {**self.agents.env(**tokens), "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1",
                "COLUMNS": "100"}

    def cli(self, args: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
        return ncplan(self.directory, args, env if env is not None else self.env())

    def plan_file(self, *extra: str, env: Mapping[str, str] | None = None) -> Path:
        out = self.directory / "plan.bin"
        run = self.cli(["plan", "--out", str(out), *extra], env)
        assert run.exit_code == 0, run.both
        return out

    def apply(self, plan_path: Path, env: Mapping[str, str] | None = None) -> Run:
        """``ncplan apply --no-wait PLANFILE`` (the programs need no rollout watching)."""
        return self.cli(["apply", "--no-wait", str(plan_path)], env)

    def plan_and_apply(self, *extra: str) -> Run:
        run = self.apply(self.plan_file(*extra))
        assert run.exit_code == 0, run.both
        return run


def make_scenario(tmp_path: Path, agents: SecureAgents, unique: str) -> SecureScenario:
    directory = tmp_path / "secure"
    directory.mkdir()
    bin_dir = tmp_path / "bin"
    mesh_programs(bin_dir)
    return SecureScenario(directory, f"db{unique}", f"web{unique}", agents, bin_dir)


def purge(scenario: SecureScenario) -> None:
    agents = scenario.agents
    purge_jobs(agents, (scenario.web, scenario.db))
    for name in (scenario.web, scenario.db):
        agents.nomad("DELETE", f"/v1/var/nomad/jobs/{name}")
    agents.consul("DELETE", f"/v1/config/service-intentions/{scenario.db}")
    for name in (scenario.web, scenario.db):
        agents.consul("DELETE", f"/v1/acl/token/{token_accessor_id(name)}")


def proxy_logs(agents: SecureAgents, job: str) -> str:
    """The stderr of job's connect-proxy task (for assertion messages)."""
    allocs = agents.nomad("GET", f"/v1/job/{job}/allocations").json()
    text = []
    for alloc in allocs:
        for kind in ("stdout", "stderr"):
            answer = agents.nomad("GET", f"/v1/client/fs/logs/{alloc['ID']}",
                                  params={"task": "connect-proxy", "type": kind,
                                          "plain": "true"})
            text.append(f"--- {job} {alloc['ID'][:8]} {kind}: {answer.text[-2000:]}")
    return "\n".join(text)
