"""Jobspec parsing, fed with ``/v1/jobs/parse`` answers recorded from a real Nomad 1.6
(tests/record/record_jobspec.py): the values ncplan sends, the dependencies it reads from
the parsed job, and Nomad's refusals located in the configuration's files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from local_http import serve

from ncplan.config.model import RawJob
from ncplan.config.rawjob import derive_parsed
from ncplan.errors import ProviderError
from ncplan.kinds.nomad_job import parse_raw_job
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.parse_errors import locate
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

RECORDED = Path(__file__).parent / "recorded" / "jobspec"
SCRIPT = Path(__file__).resolve().parents[2] / "record" / "record_jobspec.py"


def entry(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return loaded


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("record_jobspec", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_recording_is_used_and_matches_the_script() -> None:
    script = _script()
    assert {p.stem for p in RECORDED.glob("*.json")} == set(script.RECORDINGS)
    for name in script.RECORDINGS:
        assert entry(name)["request"]["body"]["JobHCL"] == script.JOB_HCL


def test_dependencies_come_from_the_parsed_job_dynamic_blocks_expanded() -> None:
    job = entry("parse_dependencies")["body"]
    derived = derive_parsed(job)
    assert derived.upstreams == ("cache", "static", "peer-a", "peer-b")
    assert derived.depends_on == ("vault", "db")
    assert not derived.partial


class _Providers:
    def __init__(self, jobs: NomadJobs) -> None:
        self.jobs = jobs


@pytest.mark.parametrize(("name", "message"), [
    ("parse_validation",
     'Failed to parse job: the value given for variable "replicas": Invalid value for varfile '
     "variable; The replicas must be at least 1.\n\nThis was checked by the validation rule "
     "at api.nomad.hcl:7:3."),
    ("parse_wrong_type",
     'Failed to parse job: the value given for variable "replicas": Invalid value for '
     "variable; The value for replicas is not compatible with the variable's type constraint: "
     "a number is required."),
])
def test_a_refused_value_names_the_variable_and_the_rule_in_the_file(name: str,
                                                                    message: str) -> None:
    recorded = entry(name)
    values: dict[str, Any] = {}
    sent = recorded["request"]["body"]
    for line in sent["Variables"].splitlines():
        key, _, literal = line.partition(" = ")
        values[key] = json.loads(literal)
    raw = RawJob(name="mesh", source=sent["JobHCL"], variables=values,
                 file="api.nomad.hcl", line=1)
    with serve([(recorded["status"], recorded["body"])]) as served:
        settings = NomadHttpSettings(address=served.url)
        jobs = NomadJobs(settings, retry=RetryPolicy(tries=1))
        with pytest.raises(ProviderError) as caught:
            parse_raw_job(_Providers(jobs), raw)  # type: ignore[arg-type]
        assert json.loads(served.bodies[0]) == sent
    assert caught.value.body.strip() == message


def test_places_in_an_inline_job_are_shifted_to_its_line() -> None:
    said = "input.hcl:3,14-15: Unsuitable value type; <nil>: x; see input.hcl:1,1"
    assert locate(said, "main.hcl", 10, []) == \
        "main.hcl:12:14: Unsuitable value type; x; see main.hcl:10:1"
