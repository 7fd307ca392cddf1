"""Policies written for Terraform plans (two public ones, fetched at test time, and
tests/policies/, each after a public policy library) run by OPA against the JSON of a
real ``ncplan plan --json --no-refresh``: they find the keys they read, and say what
they would say of a Terraform plan."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ncplan.cli import run

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from policylib import NCPLAN_WEIGHTS, evaluate, opa_binary, public_policies
from test_plan_json_terraform import CONFIG, SECRET

pytestmark = pytest.mark.timeout(1800)  # the first run builds OPA (minutes)


@pytest.fixture(scope="module")
def opa() -> Path:
    return opa_binary()


def offline_plan(directory: Path, capsys: pytest.CaptureFixture[str],
                 config: str = CONFIG) -> dict[str, Any]:
    (directory / "main.hcl").write_text(config)
    (directory / "secret.ncvars.hcl").write_text(f'db_password = "{SECRET}"\n')
    code = run(["-C", str(directory), "plan", "--no-refresh", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    plan: dict[str, Any] = json.loads(out)
    return plan


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return public_policies(tmp_path_factory.mktemp("policies"))


@pytest.fixture
def plan(tmp_path: Path, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in ("NOMAD_ADDR", "CONSUL_HTTP_ADDR", "NCPLAN_VAR_db_password"):
        monkeypatch.delenv(name, raising=False)
    return offline_plan(tmp_path, capsys)


def test_opas_terraform_tutorial_scores_ncplans_changes(opa: Path, public: Path,
                                                         plan: dict[str, Any],
                                                         tmp_path: Path) -> None:
    """The tutorial's policy, unchanged, with its weights given for ncplan's types."""
    def ask(rule: str, document: dict[str, Any]) -> Any:
        return evaluate(opa, document, f"data.terraform.analysis.{rule}{NCPLAN_WEIGHTS}",
                        tmp_path, public)

    # two jobs created (10 each), one intention created (1)
    assert ask("score", plan) == 21 and ask("authz", plan) is True
    for change in plan["resource_changes"]:
        change["change"]["actions"] = ["delete"]
    assert ask("score", plan) == 210 and ask("authz", plan) is False


def test_conftests_terraform_example_catches_a_denied_type(opa: Path, public: Path,
                                                           plan: dict[str, Any],
                                                           tmp_path: Path) -> None:
    """conftest's example, unchanged: its own denylist (GCP's) passes ncplan's plan; a
    denylist naming ncplan's ACL types catches a plan that changes an ACL token."""
    assert evaluate(opa, plan, "data.main.deny", tmp_path, public) == []
    acl = ' with data.main.denylist as ["consul_acl", "nomad_acl"]'
    assert evaluate(opa, plan, "data.main.deny" + acl, tmp_path, public) == []
    plan["resource_changes"][0]["type"] = "consul_acl_token"
    assert evaluate(opa, plan, "data.main.deny" + acl, tmp_path, public) == [
        "Terraform plan will change prohibited resources in the following namespaces: "
        "consul_acl, nomad_acl"]


def test_planned_values_are_read_by_type_and_value(opa: Path, plan: dict[str, Any],
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate(opa, plan, "data.terraform.planned.deny", tmp_path) == []
    planned = evaluate(opa, plan, "data.terraform.planned.planned_addresses", tmp_path)
    assert sorted(planned) == sorted(c["address"] for c in plan["resource_changes"])
    (tmp_path / "big").mkdir()
    big = offline_plan(tmp_path / "big", capsys, CONFIG.replace("default = 2", "default = 5"))
    assert evaluate(opa, big, "data.terraform.planned.deny", tmp_path) == [
        "nomad_job.db: group db runs 5 instances, more than 3"]


def test_configuration_expressions_and_depends_on(opa: Path, plan: dict[str, Any],
                                                  tmp_path: Path) -> None:
    assert evaluate(opa, plan, "data.terraform.configuration.deny", tmp_path) == []
    resources = plan["configuration"]["root_module"]["resources"]
    job = next(r for r in resources if r["type"] == "nomad_job")
    job["expressions"]["Datacenters"] = {"constant_value": []}
    assert evaluate(opa, plan, "data.terraform.configuration.deny", tmp_path) == [
        f"{job['address']}: no datacenters declared"]


def test_sensitive_variables_do_not_show_their_value(opa: Path, plan: dict[str, Any],
                                                     tmp_path: Path) -> None:
    assert evaluate(opa, plan, "data.terraform.variables.deny", tmp_path) == []
    plan["variables"]["db_password"]["value"] = "shown"
    assert evaluate(opa, plan, "data.terraform.variables.deny", tmp_path) == [
        "variable db_password shows its value in the plan"]
