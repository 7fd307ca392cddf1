"""No secret's bytes, old or new, reach any output or file (a property).

Hypothesis makes configurations that use a sensitive variable in several places (a whole
env value, inside a URL, a task argument, the job's meta), applies them with password A
(the state and its backup as apply writes them), then plans with password B, where some
uses of the secret are dropped or added. Offline, through the command line
(``--no-refresh``, ``NCPLAN_DEBUG=1``): ``plan`` in its three forms and ``--out``, ``show``
of the plan file in its three forms, ``show`` and ``state`` of the state. With a refresh
built from what Nomad would answer (the live job still holding A, Nomad's field diff of it,
a drift edited outside): the plan in every form, its plan file and ``show`` of that, a
refresh-only state and an apply's state written through the state manager. Neither A nor
B is in any of it, nor in any file the runs left (state, backup, cache, plan files).
"""

from __future__ import annotations

import io
import string
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.config import load_config
from ncplan.config.model import Config
from ncplan.orchestration.executors import recorded
from ncplan.planner import planfile
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.drift import refreshed_state
from ncplan.planner.model import Plan, PlanMode
from ncplan.planner.redaction import restore
from ncplan.providers.live import LiveJob, NomadJobPlan, Refreshed
from ncplan.state.backends.local import open_local
from ncplan.state.model import State
from ncplan.views import plan_json
from ncplan.views.plan_human import render_plan
from ncplan.views.plan_markdown import plan_markdown

#: Where a service may use the secret.
USES = ("env_whole", "env_url", "args", "meta")
SERVICES = ("web", "api", "db")
OFFLINE = {"NO_COLOR": "1", "NCPLAN_DEBUG": "1", "NOMAD_ADDR": "http://127.0.0.1:1",
           "CONSUL_HTTP_ADDR": "http://127.0.0.1:1", "COLUMNS": "120"}

secrets = st.text(alphabet=string.ascii_letters + string.digits, min_size=6, max_size=12)


@dataclass(frozen=True)
class Case:
    old: str
    new: str
    applied: Mapping[str, frozenset[str]]  # service -> the uses of the secret, applied
    planned: Mapping[str, frozenset[str]]  # the same, in the configuration planned


@st.composite
def cases(draw: st.DrawFn) -> Case:
    old, new = "Zq" + draw(secrets), "Zq" + draw(secrets)
    assume(old not in new and new not in old)
    names = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True))
    uses = st.frozensets(st.sampled_from(USES), min_size=0, max_size=len(USES))
    applied = {name: draw(uses) for name in names}
    planned = {name: draw(uses) for name in names}
    assume(any(applied.values()))
    return Case(old, new, applied, planned)


def service_text(name: str, uses: frozenset[str]) -> str:
    env = {"MODE": '"plain"'}
    if "env_whole" in uses:
        env["DB_PASSWORD"] = "var.pw"
    env["DATABASE_URL"] = ('"postgresql://app:${var.pw}@db:5432/app"' if "env_url" in uses
                           else '"postgresql://app@db:5432/app"')
    args = '["-password", var.pw]' if "args" in uses else '["-password", "none"]'
    meta = 'meta = { token = "t-${var.pw}" }' if "meta" in uses else ""
    env_text = ", ".join(f"{key} = {value}" for key, value in env.items())
    return (f'service "{name}" {{\n  {meta}\n  task {{\n    driver = "raw_exec"\n'
            f'    config = {{ command = "/bin/{name}", args = {args} }}\n'
            f'    env    = {{ {env_text} }}\n  }}\n}}\n')


def configuration(directory: Path, uses: Mapping[str, frozenset[str]], password: str) -> Config:
    text = 'variable "pw" {\n  type      = string\n  sensitive = true\n}\n' + "".join(
        service_text(name, found) for name, found in uses.items())
    (directory / "main.hcl").write_text(text)
    return load_config(directory, [f"pw={password}"]).config


def _fields(old: Mapping[str, Any], new: Mapping[str, Any], label: str) -> list[dict[str, Any]]:
    found = []
    for key in sorted({*old, *new}):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        kind = "Added" if before is None else "Deleted" if after is None else "Edited"
        found.append({"Annotations": None, "Name": label.format(key),
                      "Old": "" if before is None else str(before),
                      "New": "" if after is None else str(after), "Type": kind})
    return found


def nomad_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Nomad's field diff of a job (the shape of POST /v1/job/:id/plan's ``Diff``) for the
    parts these configurations change: job meta, task env, task arguments."""
    groups = []
    for group_old, group_new in zip(old["TaskGroups"], new["TaskGroups"], strict=True):
        tasks = []
        for task_old, task_new in zip(group_old["Tasks"], group_new["Tasks"], strict=True):
            fields = _fields(task_old.get("Env") or {}, task_new.get("Env") or {}, "Env[{}]")
            args_old = dict(enumerate((task_old.get("Config") or {}).get("args") or []))
            args_new = dict(enumerate((task_new.get("Config") or {}).get("args") or []))
            config = _fields(args_old, args_new, "args[{}]")
            objects = [{"Name": "Config", "Type": "Edited", "Fields": config,
                        "Objects": None}] if config else None
            if fields or objects:
                tasks.append({"Name": task_new["Name"], "Type": "Edited", "Fields": fields,
                              "Objects": objects, "Annotations": None})
        groups.append({"Name": group_new["Name"], "Type": "Edited" if tasks else "None",
                       "Fields": None, "Objects": None, "Tasks": tasks})
    return {"ID": new["ID"], "Type": "Edited",
            "Fields": _fields(old.get("Meta") or {}, new.get("Meta") or {}, "Meta[{}]"),
            "Objects": None, "TaskGroups": groups}


def nomad_plan(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> NomadJobPlan:
    return NomadJobPlan(job_name=name, diff_type="Edited", diff=nomad_diff(old, new),
                        annotations=(), failures=(), job_modify_index=7, warnings="")


def human(plan: Plan) -> str:
    console = Console(file=io.StringIO(), width=120)
    render_plan(console, plan)
    text = console.file.getvalue()
    assert isinstance(text, str)
    return text


def every_form(plan: Plan) -> list[str]:
    return [human(plan), plan_markdown(plan), plan_json.dump_plan(plan)]


def cli(directory: Path, *args: str) -> str:
    run = CliRunner().invoke(app, ["-C", str(directory), *args], env=OFFLINE)
    assert run.exit_code in (0, 2), run.stdout + run.stderr
    return run.stdout + run.stderr


def offline_outputs(directory: Path, password: str) -> list[str]:
    var = ["--var", f"pw={password}"]
    saved = str(directory / "offline.plan")
    outputs = [cli(directory, "plan", "--no-refresh", *var),
               cli(directory, "plan", "--no-refresh", "--json", *var),
               cli(directory, "plan", "--no-refresh", "--markdown", "--out", saved, *var)]
    outputs += [cli(directory, "show", saved, *form) for form in ([], ["--json"],
                                                                  ["--markdown"])]
    outputs += [cli(directory, "show", *var), cli(directory, "show", "--json", *var),
                cli(directory, "state", "pull", *var), cli(directory, "state", "list", *var)]
    return outputs


def refreshed_outputs(directory: Path, case: Case, state: State,
                      bodies: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The plan with B against the live jobs still holding A (one edited outside, so a
    drift too), its plan file and show of it, a refresh-only and an apply's state."""
    config = configuration(directory, case.planned, case.new)
    wanted = build_plan(request_for(config, None, None))
    secrets = config.sensitive_values()
    live, plans, drift_plans = {}, {}, {}
    for number, (name, body) in enumerate(sorted(bodies.items())):
        change = wanted.change(f"nomad_job.{name}")
        assert change is not None and change.after is not None
        edited = number == 0
        live_body = {**body, "Meta": {**(body.get("Meta") or {}), "by": "hand"}} \
            if edited else body
        live[name] = LiveJob(name, live_body, modify_index=9 if edited else 7)
        plans[name] = nomad_plan(name, live_body, change.after)
        if edited:
            entry = state.resource(f"nomad_job.{name}")
            assert entry is not None
            restored = restore(entry.attributes, change.after, secrets)
            drift_plans[name] = nomad_plan(name, live_body, restored)
    refreshed = Refreshed(jobs=live, plans=plans, drift_plans=drift_plans)
    plan = build_plan(request_for(config, state, refreshed, config_digest="sha256:x"))
    assert plan.drift
    outputs = every_form(plan)
    outputs += every_form(build_plan(request_for(config, state, refreshed,
                                                 mode=PlanMode.REFRESH_ONLY)))
    saved = directory / "refreshed.plan"
    planfile.write(plan, saved, secrets)
    outputs += every_form(planfile.read(saved))
    outputs += [cli(directory, "show", str(saved), *form)
                for form in ([], ["--json"], ["--markdown"])]
    manager = open_local(directory / "ncplan.state.json")
    manager.write(refreshed_state(state, refreshed, secrets=secrets))
    manager.persist()
    applied = [recorded(c, 11, secrets) for c in plan.changes]
    manager.write(state.with_resources(applied))
    manager.persist()
    return outputs


def leftovers(directory: Path) -> list[str]:
    return [path.read_text(errors="replace") for path in directory.rglob("*") if path.is_file()]


#: Each example runs a dozen commands: a moderate count, and no shrinking (a failure
#: prints the case as drawn, which is already small).
@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(cases())
def test_no_secret_old_or_new_reaches_an_output_or_a_file(case: Case) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        applied_with = configuration(directory, case.applied, case.old)
        created = build_plan(request_for(applied_with, None, None))
        state = State.new().with_resources(
            [recorded(c, 7, applied_with.sensitive_values()) for c in created.changes])
        manager = open_local(directory / "ncplan.state.json")
        manager.write(state)
        state = manager.persist() or state
        bodies = {c.name: c.after for c in created.changes if c.after is not None}
        outputs = refreshed_outputs(directory, case, state, bodies)
        configuration(directory, case.planned, case.new)
        outputs += offline_outputs(directory, case.new)
        outputs += leftovers(directory)
        assert (directory / "ncplan.state.json.backup").exists()
        assert any((directory / ".ncplan" / "cache").glob("*.json"))
        for text in outputs:
            assert case.old not in text, text
            assert case.new not in text, text

