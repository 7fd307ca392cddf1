"""What the plan views promise, each pinned on its own (the snapshots pin the layout)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import plan_cases as cases
import pytest
import terraform_policy
from rich.console import Console

from ncplan.planner.model import Plan
from ncplan.views.console import make_console
from ncplan.views.plan_human import print_plan, render_plan
from ncplan.views.plan_json import dump_plan, plan_document
from ncplan.views.plan_markdown import plan_markdown

PLAN_DOC = Path(__file__).resolve().parents[3] / "docs" / "plan-and-apply.md"
#: The pipeline gate of docs/plan-and-apply.md: exits 1 when the plan deletes anything
#: (a replace included).
JQ_NO_DELETE = ("jq -e '[.resource_changes[] | select(.change.actions | index(\"delete\"))]"
                " | length == 0'")


def human(plan: Plan, **console_args: Any) -> str:
    console = Console(file=io.StringIO(), width=100, **console_args)
    render_plan(console, plan)
    text = console.file.getvalue()
    assert isinstance(text, str)
    return text


def test_sensitive_values_never_shown_in_clear() -> None:
    plan = cases.sensitive()
    for text in (human(plan), plan_markdown(plan)):
        assert cases.SECRET not in text
        assert '"changed"' not in text and '"hello"' not in text  # Nomad's Env[MESSAGE] diff
        assert "(sensitive value)" in text


def test_json_redacts_sensitive_values_and_marks_them() -> None:
    document = plan_document(cases.sensitive())
    assert cases.SECRET not in json.dumps(document)  # unlike Terraform (issue 11)
    created, job = document["resource_changes"]
    assert created["change"]["after"]["Meta"]["token"] == "(sensitive value)"
    assert created["change"]["after_sensitive"] == {"Meta": {"token": True}}
    assert created["change"]["before_sensitive"] is False
    env = job["change"]["after_sensitive"]["TaskGroups"][0]["Tasks"][0]["Env"]
    assert env == {"DB_PASSWORD": True, "MESSAGE": True}


def test_json_actions_spelt_as_terraform_spells_them() -> None:
    spelt = {}
    for make in (cases.create, cases.update, cases.replace, cases.delete, cases.refresh_only):
        plan = make()
        for change in plan_document(plan)["resource_changes"]:
            spelt[tuple(change["change"]["actions"])] = change.get("action_reason")
    assert spelt == {("create",): None, ("update",): None,
                     ("delete", "create"): "replace_because_cannot_update",
                     ("delete",): "delete_because_no_resource_config", ("no-op",): None}


def test_json_is_plain_json_with_sorted_keys() -> None:
    text = dump_plan(cases.update())
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "\x1b" not in text
    assert document["format_version"] == "1.2"
    assert [r["address"] for r in document["prior_state"]["values"]["root_module"]["resources"]] \
        == ["consul_intention.web:db", "nomad_job.web"]
    annotations = document["nomad_plans"]["web"]["annotations"]["web"]
    assert (annotations["place"], annotations["in_place_update"]) == (1, 1)


def test_drift_is_shown_before_the_plan_in_every_form() -> None:
    plan = cases.drift()
    text = human(plan)
    assert text.index("Objects have changed outside of ncplan") < text.index(
        "ncplan will perform the following actions:")
    assert "# nomad_job.web has changed" in text
    assert "# consul_intention.web:db has been deleted" in text
    assert "~ Count = 1 -> 3" in text
    markdown = plan_markdown(plan)
    assert markdown.index("### Objects have changed outside of ncplan") < markdown.index(
        "### Changes")
    drifts = plan_document(plan)["resource_drift"]
    assert [(d["address"], d["change"]["actions"]) for d in drifts] == [
        ("nomad_job.web", ["update"]), ("consul_intention.web:db", ["delete"])]


def test_refresh_only_says_nothing_will_be_undone() -> None:
    text = human(cases.refresh_only())
    assert "This is a refresh-only plan, so ncplan will not take any actions to undo" in text
    assert "Plan:" not in text and "will perform the following actions" not in text


def test_legend_lists_only_the_symbols_used() -> None:
    text = human(cases.update())
    assert "  ~ update in-place" in text
    assert "+ create" not in text and "- destroy" not in text


def test_placement_failure_in_red_with_its_reasons() -> None:
    text = human(cases.placement_failure(), force_terminal=True, color_system="standard")
    assert "\x1b[1;31m    Placement failure: group \"web\" cannot be placed" in text
    assert 'constraint "computed class ineligible" filtered 1 node' in text


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert "\x1b[32m+\x1b[0m" in human(cases.create(), force_terminal=True, color_system="standard")
    assert "\x1b" not in human(cases.create())
    assert not make_console(stderr=False).no_color
    monkeypatch.setenv("NO_COLOR", "1")
    assert make_console(stderr=False).no_color
    assert make_console(stderr=False, color=True).no_color
    monkeypatch.delenv("NO_COLOR")
    assert make_console(stderr=False, color=False).no_color
    print_plan(cases.destroy())
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Plan: 0 to add, 0 to change, 2 to destroy." in out


def test_markdown_warnings_come_first_and_table_counts_per_type() -> None:
    text = plan_markdown(cases.coverage_warnings())
    assert text.index("[!WARNING]") < text.index("| Type |") < text.index("<details>")
    table = plan_markdown(cases.replace())
    assert "| `nomad_job` | 1 | 0 | 1 |" in table


def test_a_policy_written_for_terraform_plans_reads_the_json() -> None:
    counts = terraform_policy.count_by_type(plan_document(cases.create()))
    assert {kind: dict(c) for kind, c in counts.items()} == {
        "consul_service_defaults": {"create": 1}, "consul_intention": {"create": 1},
        "nomad_job": {"create": 1}}
    assert terraform_policy.deny(plan_document(cases.create())) == []
    replaced = terraform_policy.count_by_type(plan_document(cases.replace()))
    assert dict(replaced["nomad_job"]) == {"delete": 1, "create": 1}
    assert terraform_policy.deny(plan_document(cases.replace())) == [
        "nomad_job.web: deleting a nomad_job is not allowed"]
    assert len(terraform_policy.deny(plan_document(cases.destroy()))) == 2


def no_delete(document: dict[str, Any]) -> bool:
    """The jq line's predicate in Python."""
    return not [c for c in document["resource_changes"] if "delete" in c["change"]["actions"]]


def test_pipeline_gate_in_python() -> None:
    assert no_delete(plan_document(cases.create())) and no_delete(plan_document(cases.update()))
    for plan in (cases.replace(), cases.delete(), cases.destroy()):
        assert not no_delete(plan_document(plan))


def test_docs_show_the_jq_line() -> None:
    assert f"ncplan plan --json | {JQ_NO_DELETE}" in PLAN_DOC.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("jq") is None and os.environ.get("CI") != "true",
                    reason="jq is not installed (apt-get install -y jq)")
def test_pipeline_gate_with_jq() -> None:
    command = ["sh", "-c", JQ_NO_DELETE + " >/dev/null"]
    for make, code in ((cases.create, 0), (cases.update, 0), (cases.replace, 1), (cases.delete, 1)):
        result = subprocess.run(command, input=dump_plan(make()), text=True, check=False)
        assert result.returncode == code


def test_the_targeting_warning_is_said_once() -> None:
    from ncplan.planner.targets import TARGETING_WARNING
    from ncplan.views.plan_markdown import plan_markdown

    plan = Plan(targets=("nomad_job.db",), warnings=(TARGETING_WARNING,))
    assert plan_markdown(plan).count("Resource targeting is in effect") == 1
    assert _human(plan).count("Resource targeting is in effect") == 1


def _human(plan: Plan) -> str:
    out = io.StringIO()
    render_plan(Console(file=out, width=100, color_system=None), plan)
    return out.getvalue()
