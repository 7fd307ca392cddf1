"""The rendered jobs, JSON and HCL, are accepted by the real Nomad (1.6 dev agent).

JSON: ``PUT /v1/validate/job`` with ``{"Job": ...}`` reports no error. HCL: ``PUT
/v1/jobs/parse`` turns each jobspec ``ncplan render --format hcl`` prints into the same
job as the JSON rendering (ID, groups, networks, tasks, their config and services), and
that parsed job validates too. The raw example's jobs parse as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents

from ncplan.config import load_config
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.views.hcl import job_to_hcl

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.integration


# HCL escapes ($${ and %%{) beside Nomad's runtime references, in a quoted string, a
# heredoc and a variable default: the job JSON holds the literals, the HCL re-escapes them.
ESCAPES = r'''variable "greeting" {
  default = "hi $${HOME}"
}

service "echo" {
  port    = "tcp"
  sidecar = "builtin"

  task {
    driver = "raw_exec"
    config = {
      command = "/bin/sh"
      args    = ["-c",
                 "echo $${NOMAD_PORT_tcp} ${NOMAD_PORT_tcp} %%{ if x } $$${y} ${var.greeting}"]
    }
    env = {
      LITERAL  = "$${NOMAD_PORT_tcp}"
      FUNCTION = "$${upper(\"x\")}"
      NODE     = "${attr.kernel.name}-${node.unique.name}-${meta.rack}"
      HEREDOC  = <<EOT
$${NOMAD_ALLOC_ID} %%{x}
EOT
    }
  }
}
'''


def _jobs(example: str | Path) -> list[DesiredResource]:
    directory = example if isinstance(example, Path) else EXAMPLES / example
    config = load_config(directory, use_cache=False).config
    return [r for r in lower_config(config) if r.kind == "nomad_job" and not r.raw]


@pytest.fixture
def escapes(tmp_path: Path) -> Path:
    (tmp_path / "main.hcl").write_text(ESCAPES, encoding="utf-8")
    return tmp_path


def _validate(agents: Agents, job: Any) -> None:
    response = agents.nomad("PUT", "/v1/validate/job", json={"Job": job})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert not answer.get("Error"), answer
    assert not answer.get("ValidationErrors"), answer


def _essentials(job: dict[str, Any]) -> dict[str, Any]:
    """What ncplan sets, read from a job (Nomad fills in many defaults around it)."""
    groups = []
    for group in job["TaskGroups"]:
        groups.append({
            "Name": group["Name"],
            "Count": group["Count"],
            "Networks": [{"Mode": n.get("Mode") or "host",
                          "Ports": sorted((p["Label"], p.get("To") or 0)
                                          for p in n.get("DynamicPorts") or [])}
                         for n in group.get("Networks") or []],
            "Services": [(s["Name"], s["PortLabel"], s.get("Connect") is not None)
                         for s in group.get("Services") or []],
            "Tasks": [{"Name": t["Name"], "Driver": t["Driver"], "Config": t["Config"],
                       "Env": t.get("Env") or {},
                       "Resources": (t["Resources"]["CPU"], t["Resources"]["MemoryMB"]),
                       "Services": [(s["Name"], s["PortLabel"])
                                    for s in t.get("Services") or []]}
                      for t in group["Tasks"]],
        })
    return {"ID": job["ID"], "Datacenters": job["Datacenters"], "TaskGroups": groups}


@pytest.mark.parametrize("example", ["connect-on-nomad", "envoy-mesh"])
def test_rendered_json_validates(agents: Agents, example: str) -> None:
    for resource in _jobs(example):
        _validate(agents, dict(resource.body))


@pytest.mark.parametrize("example", ["connect-on-nomad", "envoy-mesh"])
def test_rendered_hcl_parses_to_the_same_job(agents: Agents, example: str) -> None:
    for resource in _jobs(example):
        response = agents.nomad("PUT", "/v1/jobs/parse",
                                json={"JobHCL": job_to_hcl(resource.body), "Canonicalize": True})
        assert response.status_code == 200, response.text
        parsed = response.json()
        _validate(agents, parsed)
        assert _essentials(parsed) == _essentials(dict(resource.body))


def test_escapes_are_literals_in_json_and_parse_back_from_hcl(agents: Agents,
                                                               escapes: Path) -> None:
    [resource] = _jobs(escapes)
    job = dict(resource.body)
    task = job["TaskGroups"][0]["Tasks"][0]
    assert task["Config"]["args"][1] == (
        "echo ${NOMAD_PORT_tcp} ${NOMAD_PORT_tcp} %{ if x } $${y} hi ${HOME}")
    assert task["Env"] == {"LITERAL": "${NOMAD_PORT_tcp}", "FUNCTION": '${upper("x")}',
                           "NODE": "${attr.kernel.name}-${node.unique.name}-${meta.rack}",
                           "HEREDOC": "${NOMAD_ALLOC_ID} %{x}"}
    _validate(agents, job)
    response = agents.nomad("PUT", "/v1/jobs/parse",
                            json={"JobHCL": job_to_hcl(job), "Canonicalize": True})
    assert response.status_code == 200, response.text
    parsed = response.json()
    assert _essentials(parsed) == _essentials(job)


def test_raw_example_jobs_parse(agents: Agents) -> None:
    config = load_config(EXAMPLES / "connect-on-nomad-raw", use_cache=False).config
    for job in config.jobs:
        response = agents.nomad("PUT", "/v1/jobs/parse",
                                json={"JobHCL": job.source, "Canonicalize": True})
        assert response.status_code == 200, response.text
        assert response.json()["ID"] == job.name


def test_envoy_service_without_a_port_validates(agents: Agents) -> None:
    from ncplan.config.model import Service, Task, Upstream
    from ncplan.resources.nomad_job import lower_service

    service = Service(name="caller", sidecar="envoy",
                      task=Task(driver="raw_exec", config={"command": "/bin/true"}),
                      upstreams=(Upstream("api", local_bind_port=8080),))
    job = lower_service(service)
    _validate(agents, job)
    response = agents.nomad("PUT", "/v1/jobs/parse",
                            json={"JobHCL": job_to_hcl(job), "Canonicalize": True})
    assert response.status_code == 200, response.text
    assert _essentials(response.json()) == _essentials(job)
