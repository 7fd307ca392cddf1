"""The plan's three forms (human, JSON, Markdown), compared exactly with snapshots/.

``NCPLAN_UPDATE_SNAPSHOTS=1 pytest tests/unit/views`` rewrites the files; review the diff.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from plan_cases import CASES
from rich.console import Console
from snapshots_helper import SNAPSHOTS, assert_snapshot

from ncplan.planner.model import Action, Plan, PlanWarning, ResourceChange
from ncplan.providers.live import NomadJobPlan
from ncplan.views import plan_json
from ncplan.views.plan_human import render_plan
from ncplan.views.plan_markdown import plan_markdown


def human(plan: Plan) -> str:
    console = Console(file=io.StringIO(), width=100)
    render_plan(console, plan)
    output = console.file.getvalue()
    assert isinstance(output, str)
    return output


@pytest.mark.parametrize("name", CASES)
def test_human_plan(name: str) -> None:
    assert_snapshot(SNAPSHOTS / f"{name}.txt", human(CASES[name]()))


@pytest.mark.parametrize("name", CASES)
def test_json_plan(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_json, "__version__", "0.0.0-test")
    assert_snapshot(SNAPSHOTS / f"{name}.json", plan_json.dump_plan(CASES[name]()))


@pytest.mark.parametrize("name", CASES)
def test_markdown_plan(name: str) -> None:
    assert_snapshot(SNAPSHOTS / f"{name}.md", plan_markdown(CASES[name]()))


def test_human_lines_fit_in_100_columns_except_prose() -> None:
    """Diff lines are never wrapped by Rich (soft wrap) and the cases' diffs fit 100 columns."""
    for name, case in CASES.items():
        for line in human(case()).splitlines():
            if line.lstrip().startswith(("+", "-", "~", "#", "}", "]")):
                assert len(line) <= 100, f"{name}: {line}"


def test_a_changed_rendering_fails_the_comparison(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NCPLAN_UPDATE_SNAPSHOTS", raising=False)
    snapshot = tmp_path / "x.txt"
    snapshot.write_text("Plan: 1 to add\n")
    assert_snapshot(snapshot, "Plan: 1 to add\n")
    with pytest.raises(AssertionError):
        assert_snapshot(snapshot, "Plan: 2 to add\n")
    with pytest.raises(AssertionError):
        assert_snapshot(tmp_path / "missing.txt", "")


@pytest.mark.parametrize("name", CASES)
def test_a_plain_console_writes_what_rich_writes_without_its_styles(name: str) -> None:
    """With no colour (a pipe, NO_COLOR) the lines skip Rich's layout: the same
    characters as Rich's own rendering with its style codes taken out."""
    styled = Console(file=io.StringIO(), width=100, color_system="standard")
    render_plan(styled, CASES[name]())
    rich_text = re.sub(r"\x1b\[[0-9;]*m", "", styled.file.getvalue())  # type: ignore[attr-defined]
    assert human(CASES[name]()) == rich_text


def test_plain_lines_are_sanitised_as_rich_sanitises_them() -> None:
    """Control codes in Nomad's own text are dropped and tabs expanded, as Rich does."""
    warnings = "1 warning:\n\n\t* Group \"g\" has\ta bell\x07 and\r a return"
    plan = Plan(changes=(ResourceChange(
        address="nomad_job.db", kind="nomad_job", name="db", action=Action.CREATE,
        after={"ID": "db"}, nomad_plan=NomadJobPlan("db", "Added", warnings=warnings)),),
        warnings=(PlanWarning("coverage", "nomad_job.db", detail="a\tdetail\x07"),))
    styled = Console(file=io.StringIO(), width=100, color_system="standard")
    render_plan(styled, plan)
    rich_text = re.sub(r"\x1b\[[0-9;]*m", "", styled.file.getvalue())  # type: ignore[attr-defined]
    plain = human(plan)
    assert plain == rich_text and "        * Group" in plain and "a bell and a return" in plain
    assert not {"\t", "\x07", "\r"} & set(plain)
