"""Policies written for Terraform plans (public ones and tests/policies/) run by OPA
against the JSON of a plan refreshed from the real agents: first against nothing (all
creates), then after apply with a count raised (an update whose planned values show the
new count)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from plan_helpers import agent_env, apply_all, copy_example, ncplan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies"))
from policylib import NCPLAN_WEIGHTS, evaluate, opa_binary, public_policies

pytestmark = [pytest.mark.usefixtures("wiped"),
              pytest.mark.timeout(1800)]  # the first run builds OPA (minutes)


def plan_document(directory: Path, agents: Agents) -> dict[str, Any]:
    run = ncplan(directory, ["plan", "--json"], agent_env(agents))
    assert run.exit_code == 0, run.both
    document: dict[str, Any] = json.loads(run.stdout)
    assert document["refreshed"] is True
    return document


def test_policies_read_a_refreshed_plan(agents: Agents, tmp_path: Path) -> None:
    opa = opa_binary()
    public = public_policies(tmp_path)
    score = "data.terraform.analysis.score" + NCPLAN_WEIGHTS
    directory = copy_example("connect-on-nomad", tmp_path)
    first = plan_document(directory, agents)
    assert evaluate(opa, first, score, tmp_path, public) == 21
    assert evaluate(opa, first, "data.main.deny", tmp_path, public) == []
    for query in ("data.terraform.planned.deny",
                  "data.terraform.configuration.deny", "data.terraform.variables.deny"):
        assert evaluate(opa, first, query, tmp_path) == [], query
    planned = evaluate(opa, first, "data.terraform.planned.planned_addresses", tmp_path)
    assert sorted(planned) == ["consul_intention.web:db", "nomad_job.db", "nomad_job.web"]

    apply_all(directory, agent_env(agents))
    main = directory / "main.hcl"
    main.write_text(main.read_text().replace('service "db" {\n  port = "tcp"',
                                             'service "db" {\n  port = "tcp"\n  count = 4'))
    second = plan_document(directory, agents)
    assert [c["change"]["actions"] for c in second["resource_changes"]
            if c["address"] == "nomad_job.db"] == [["update"]]
    assert evaluate(opa, second, score, tmp_path, public) == 1
    assert evaluate(opa, second, "data.terraform.planned.deny", tmp_path) == [
        "nomad_job.db: group db runs 4 instances, more than 3"]
