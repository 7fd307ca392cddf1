"""No secret, old or new, in any output or file, against the real agents.

A sensitive ``db_password`` is applied as A; the job is then edited outside ncplan (a
drift) and planned as B, with one use of the password dropped from the configuration.
Nomad's diff of the live job still holds A: every output (human, ``--markdown``,
``--json``, the plan file, ``show`` of it and of the state, ``state pull``, with
``NCPLAN_DEBUG=1``) and every file left (state, backup, plan file) holds neither A nor
B, and the rotated value reads ``(sensitive value) => (sensitive value)``. Applying the
saved plan gives Nomad the real B.

Nomad's own messages quote what it was sent: a job it refuses for a constraint built
from the password shows the password nowhere either (the error, its hint, the traceback
of ``NCPLAN_DEBUG=1``).
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
from agentlib import Agents
from plan_helpers import agent_env, ncplan

OLD = "old-pw-Qx81kz"
NEW = "new-pw-Rv27mw"
MARKER = "(sensitive value)"
HEAD = '''
variable "db_password" {
  type      = string
  sensitive = true
}
'''
SERVICE = '''
service "web" {
  task {
    driver = "raw_exec"
    config = { command = "/bin/sleep", args = ["3600"] }
    env    = { DATABASE_URL = "postgresql://app:${var.db_password}@db.internal:5432/app",
               %s MODE = "plain" }
  }
}
'''


def _files(directory: Path) -> list[tuple[Path, str]]:
    return [(path, path.read_text(errors="replace")) for path in directory.rglob("*")
            if path.is_file()]


def _assert_clean(texts: list[str], directory: Path) -> None:
    for text in texts:
        assert OLD not in text and NEW not in text, text
    for path, text in _files(directory):
        assert OLD not in text and NEW not in text, path


def _task(job: dict[str, object]) -> dict[str, object]:
    groups = job["TaskGroups"]
    assert isinstance(groups, list)
    task = groups[0]["Tasks"][0]
    assert isinstance(task, dict)
    return task


def test_a_rotated_password_shows_nowhere_old_or_new(agents: Agents, tmp_path: Path,
                                                      wiped: None) -> None:
    directory = tmp_path / "rotate"
    directory.mkdir()
    main = directory / "main.hcl"
    main.write_text(HEAD + SERVICE % "DB_PASSWORD = var.db_password,")
    env = {**agent_env(agents), "NCPLAN_DEBUG": "1"}
    applied = ncplan(directory, ["apply", "--auto-approve", "--no-wait"],
                     {**env, "NCPLAN_VAR_db_password": OLD})
    assert applied.exit_code == 0, applied.both
    live = agents.nomad("GET", "/v1/job/web").json()
    assert _task(live)["Env"]["DB_PASSWORD"] == OLD  # type: ignore[index]
    live["Meta"] = {"edited-by": "someone"}  # a drift: Nomad's plan of the recorded job
    assert agents.nomad("POST", "/v1/jobs", json={"Job": live}).ok

    main.write_text(HEAD + SERVICE % "")  # DB_PASSWORD dropped, the URL rotated
    rotated = {**env, "NCPLAN_VAR_db_password": NEW}
    saved = str(directory / "rotate.plan")
    outputs, stdout = {}, {}
    for name, args in {"human": ["plan"], "json": ["plan", "--json"],
                       "markdown": ["plan", "--markdown", "--out", saved],
                       "show": ["show", saved], "show-json": ["show", saved, "--json"],
                       "show-markdown": ["show", saved, "--markdown"],
                       "state": ["show"], "state-json": ["show", "--json"],
                       "pull": ["state", "pull"]}.items():
        run = ncplan(directory, args, rotated)
        assert run.exit_code == 0, (name, run.both)
        outputs[name], stdout[name] = run.both, run.stdout
    _assert_clean(list(outputs.values()), directory)

    for name in ("human", "markdown", "show", "show-markdown"):
        assert f"Env[DATABASE_URL]: {MARKER} => {MARKER}" in outputs[name], outputs[name]
        assert f"Env[DB_PASSWORD]: {MARKER}" in outputs[name], outputs[name]
    assert "nomad_job.web has changed" in outputs["human"]
    document = json.loads(stdout["json"])
    assert json.loads(stdout["show-json"]) == document
    change = next(c for c in document["resource_changes"] if c["address"] == "nomad_job.web")
    assert _task(change["change"]["before"])["Env"]["DATABASE_URL"] == MARKER  # type: ignore[index]
    assert _task(change["change"]["after"])["Env"]["DATABASE_URL"] == MARKER  # type: ignore[index]
    tasks = document["nomad_plans"]["web"]["diff"]["TaskGroups"][0]["Tasks"]
    shown = {f["Name"]: (f["Old"], f["New"]) for t in tasks for f in t["Fields"] or ()}
    assert shown["Env[DATABASE_URL]"] == (MARKER, MARKER)
    assert shown["Env[DB_PASSWORD]"][0] == MARKER

    done = ncplan(directory, ["apply", saved, "--no-wait"], rotated)
    assert done.exit_code == 0, done.both
    _assert_clean([done.both], directory)
    assert (directory / "ncplan.state.json.backup").exists()
    env_now = _task(agents.nomad("GET", "/v1/job/web").json())["Env"]
    assert env_now == {"DATABASE_URL": f"postgresql://app:{NEW}@db.internal:5432/app",
                       "MODE": "plain"}


REFUSED = HEAD + '''
job "refused" {
  datacenters = ["dc1"]
  constraint {
    attribute = "${meta.rack}"
    operator  = "regexp"
    value     = "(${var.db_password}"
  }
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["3600"]
      }
    }
  }
}
'''


def test_nomad_quoting_a_secret_in_its_refusal_shows_it_nowhere(agents: Agents,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(REFUSED)
    env = {**agent_env(agents), "NCPLAN_VAR_db_password": OLD}
    for args in (["plan"], ["apply", "--auto-approve", "--no-wait"]):
        run = ncplan(tmp_path, args, env)
        assert run.exit_code == 1, run.both
        assert f"missing closing ): `({MARKER}`" in run.stderr, run.stderr
        _assert_clean([run.both], tmp_path)
    with pytest.raises(Exception) as raised:  # NCPLAN_DEBUG=1: the error, raised
        ncplan(tmp_path, ["plan"], {**env, "NCPLAN_DEBUG": "1"})
    shown = "".join(traceback.format_exception(raised.value))
    assert "Regular expression failed to compile" in shown and OLD not in shown, shown
    assert agents.nomad("GET", "/v1/job/refused").status_code == 404
