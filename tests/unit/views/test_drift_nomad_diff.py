"""A job changed outside ncplan shows Nomad's own diff, read recorded -> live: Nomad sees
the fields ncplan does not set (a Meta added by hand), which the attribute diff cannot."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from ncplan.planner.model import Action, Drift, Plan
from ncplan.providers.live import NomadJobPlan
from ncplan.providers.nomad_job_decoding import job_plan
from ncplan.views.nomad_diff import inverted
from ncplan.views.plan_human import render_plan

RECORDED = Path(__file__).parents[1] / "planner" / "recorded"  # record_planner.py


def drift_plan() -> NomadJobPlan:
    """Nomad's plan of web *as recorded* against web as edited by hand (its env)."""
    body = json.loads((RECORDED / "drift_plan_web_edited.json").read_text())["body"]
    return job_plan("web", body, "recorded drift_plan_web_edited")


def shown(drift: Drift) -> str:
    out = io.StringIO()
    render_plan(Console(file=out, width=100, color_system=None), Plan(drift=(drift,)))
    return out.getvalue()


def test_the_drift_section_shows_nomads_diff_from_recorded_to_live() -> None:
    job = {"ID": "web", "Name": "web"}
    text = shown(Drift("nomad_job.web", "nomad_job", "web", Action.UPDATE, before=job,
                       after=job, nomad_plan=drift_plan()))
    assert '# nomad_job.web has changed' in text
    assert ('~ Env[DATABASE_URL]: "postgresql://127.0.0.1:${NOMAD_PORT_up_db}/db" => '
            '"postgresql://elsewhere/db"') in text
    assert "forces create/destroy update" not in text  # Nomad's words about undoing it


def test_inverting_swaps_old_and_new_and_added_and_deleted() -> None:
    diff = {"Type": "Edited", "Objects": None, "Fields": [
        {"Type": "Deleted", "Name": "Meta[owner]", "Old": "alice", "New": "",
         "Annotations": ["forces in-place update"]},
        {"Type": "Edited", "Name": "Priority", "Old": "70", "New": "50"}]}
    assert inverted(diff) == {"Type": "Edited", "Objects": None, "Fields": [
        {"Type": "Added", "Name": "Meta[owner]", "Old": "", "New": "alice",
         "Annotations": None},
        {"Type": "Edited", "Name": "Priority", "Old": "50", "New": "70"}]}

