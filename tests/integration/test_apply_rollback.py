"""``apply --rollback-on-failure`` on the real agents, with the seed's db and web.

One apply changes the intention web -> db (allow -> deny) and gives web a version whose
command does not exist: its rollout fails, the apply stops, and everything it changed is
restored. Afterwards web's previous version runs, bytes go web -> db through the sidecars
again, the intention allows, the state holds what it held before (apart from its serial
and the live indexes the restores moved), and the original configuration plans no change.
Then the same rollback racing a foreign write to the intention's entry (refused by
check-and-set, left, named), and a rollback killed after its first restore, then planned.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from apply_helpers import ALLOW, DENY, NAMES, Mesh, make_mesh, wait_for
from meshlib import eventually_echo, port_of, wait_running
from plan_helpers import wipe
from purging import purge_jobs
from test_apply_kills import run_killed
from test_apply_order_interrupts import Lines

from ncplan.errors import CheckAndSetConflict
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_job_versions import NomadJobVersions
from ncplan.transport.nomad import NomadHttpSettings

PAYLOAD = b"bytes through the rolled back mesh\n"
BROKEN = "web_command=/nonexistent/web-v2"
SECRET = "s3cret-web-token"
ROLLBACK = ("apply", "--auto-approve", "--rollback-on-failure", "--wait-timeout", "30s",
            "--var", BROKEN)
SETTING = "\napply {\n  rollback_on_failure = true\n}\n"


@pytest.fixture
def mesh(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents)
    done = found.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both
    yield found
    wipe(agents, NAMES)


def _records(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The state's records without their live indexes."""
    return {r["address"]: {k: v for k, v in r.items() if k != "observed_index"}
            for r in state["resources"]}


def _web_command(agents: Agents) -> str:
    job = agents.nomad("GET", "/v1/job/web").json()
    task = next(t for t in job["TaskGroups"][0]["Tasks"] if t["Name"] == "web")
    return str(task["Config"]["command"])


def _web_source(agents: Agents) -> dict[str, Any]:
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    return dict(next(s for s in entry["Sources"] if s["Name"] == "web"))


def _echo_through_web(agents: Agents) -> None:
    port = port_of(wait_running(agents, "web"), "up_db")
    assert eventually_echo(port, PAYLOAD) == PAYLOAD


def _give_web_a_secret(mesh: Mesh) -> None:
    """A sensitive value in web's env: the state records it redacted, so only Nomad's
    revert (not the recorded body) brings web back with it."""
    with (mesh.directory / "main.hcl").open("a") as main:
        main.write('\nvariable "web_token" {\n  type      = string\n'
                   f'  default   = "{SECRET}"\n  sensitive = true\n}}\n')
    mesh.edit('DATABASE_URL = "postgresql://${upstream.db}/db"',
              'DATABASE_URL = "postgresql://${upstream.db}/db"\n      WEB_TOKEN    = var.web_token')
    done = mesh.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both


def _web_env(agents: Agents) -> dict[str, str]:
    job = agents.nomad("GET", "/v1/job/web").json()
    task = next(t for t in job["TaskGroups"][0]["Tasks"] if t["Name"] == "web")
    return dict(task["Env"])


def test_a_failed_rollout_rolls_back_the_job_and_the_intention(
        mesh: Mesh, agents: Agents) -> None:
    _give_web_a_secret(mesh)
    _echo_through_web(agents)
    assert SECRET not in json.dumps(mesh.state())
    before = mesh.state()
    command = _web_command(agents)
    version = agents.nomad("GET", "/v1/job/web").json()["Version"]
    mesh.edit(ALLOW, DENY)

    done = mesh.run(*ROLLBACK)

    assert done.exit_code == 1, done.both
    assert "A step failed: rolling back what this apply changed" in done.stdout
    assert "nomad_job.web: Rollback: Modifying..." in done.stdout
    assert "nomad_job.web: Rollback: Modifications complete after" in done.stdout
    assert "consul_intention.web:db: Rollback: Modifications complete after" in done.stdout
    assert "rolled back (2 restored)" in done.stderr
    assert "Failed: nomad_job.web:" in done.stderr
    assert "Rolled back: consul_intention.web:db, nomad_job.web" in done.stderr
    assert "Not rolled back" not in done.stderr
    job = agents.nomad("GET", "/v1/job/web").json()
    assert job["Version"] == version + 2  # the broken one, then the revert
    assert _web_command(agents) == command
    assert _web_env(agents)["WEB_TOKEN"] == SECRET  # the version as it ran, not the record
    assert _web_source(agents)["Action"] == "allow"
    after = mesh.state()
    assert _records(after) == _records(before)
    assert after["serial"] > before["serial"]
    assert after["lineage"] == before["lineage"]
    _echo_through_web(agents)

    mesh.edit(DENY, ALLOW)
    again = mesh.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "No changes." in again.stdout


def test_a_rollback_leaves_and_names_what_another_writer_changed_meanwhile(
        mesh: Mesh, agents: Agents) -> None:
    _echo_through_web(agents)
    command = _web_command(agents)
    mesh.edit(ALLOW, DENY)
    with (mesh.directory / "main.hcl").open("a") as main:  # the setting, not the flag
        main.write(SETTING)
    process = mesh.spawn(*(arg for arg in ROLLBACK if arg != "--rollback-on-failure"))
    try:
        wait_for(lambda: _web_source(agents)["Action"] == "deny", 60,
                 "the apply's intention write")
        entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
        entry["Sources"].append({"Name": "legacy", "Action": "allow"})
        for key in ("CreateIndex", "ModifyIndex"):
            entry.pop(key, None)
        assert agents.consul("PUT", "/v1/config", json=entry).json() is True
        stdout, stderr = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 1, stdout + stderr
    assert "the rollback is incomplete (1 restored, 1 not)" in stderr
    assert "Rolled back: nomad_job.web" in stderr
    refused = [line for line in stderr.splitlines()
               if line.strip().startswith("Not rolled back: consul_intention.web:db")]
    assert refused and "changed since" in refused[0], stderr
    sources = {s["Name"]: s["Action"] for s in agents.consul(
        "GET", "/v1/config/service-intentions/db").json()["Sources"]}
    assert sources == {"web": "deny", "legacy": "allow"}  # the other writer's, kept
    assert _web_command(agents) == command
    recorded = {r["address"]: r for r in mesh.state()["resources"]}
    assert recorded["consul_intention.web:db"]["attributes"]["Action"] == "deny"

    mesh.edit(DENY, ALLOW)
    plan = mesh.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.both
    assert "consul_intention.web:db will be updated in-place" in plan.stdout
    assert "nomad_job.web will be" not in plan.stdout, plan.stdout


def test_a_rollback_killed_after_its_first_restore_is_planned_right(
        mesh: Mesh, agents: Agents, tmp_path: Path) -> None:
    _echo_through_web(agents)
    mesh.edit(ALLOW, DENY)
    forward_writes = 2  # the intention's entry, web's register
    writes = run_killed(mesh.directory, mesh.env, ROLLBACK, forward_writes + 1,
                        tmp_path / "fifo")
    assert writes == forward_writes + 1

    mesh.edit(DENY, ALLOW)
    plan = mesh.run("plan", "--detailed-exitcode")
    assert plan.exit_code in (0, 2), plan.both
    recorded = {r["address"]: r for r in mesh.state()["resources"]}
    live_web = agents.nomad("GET", "/v1/job/web").json()
    web_restored = "nonexistent" not in _web_command(agents)
    intention_restored = _web_source(agents)["Action"] == "allow"
    assert web_restored or intention_restored  # the first restore landed
    if not (web_restored and intention_restored):
        assert plan.exit_code == 2, plan.stdout  # what is left shows as a change
    if not intention_restored:
        assert "consul_intention.web:db will be updated in-place" in plan.stdout
    if not web_restored:
        assert "nomad_job.web will be updated in-place" in plan.stdout
    if web_restored:
        assert "nomad_job.web will be" not in plan.stdout, plan.stdout
        if recorded["nomad_job.web"]["observed_index"] != live_web["JobModifyIndex"]:
            assert "Objects have changed outside of ncplan" in plan.stdout

    done = mesh.run("apply", "--auto-approve")
    assert done.exit_code == 0, done.both
    again = mesh.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    _echo_through_web(agents)
    state = json.loads(mesh.run("state", "pull").stdout)
    assert sorted(r["address"] for r in state["resources"]) == [
        "consul_intention.web:db", "nomad_job.db", "nomad_job.web"]


def test_sigterm_during_the_rollback_records_the_restores_that_ran_and_exits_130(
        mesh: Mesh, agents: Agents) -> None:
    command = _web_command(agents)
    mesh.edit(ALLOW, DENY)
    lines = Lines(mesh.spawn(*ROLLBACK))
    lines.wait_for(lambda line: line == "nomad_job.web: Rollback: Modifying...", 120,
                   "web's restore")
    lines.process.send_signal(signal.SIGTERM)
    assert lines.finish(30) == 130, lines.text()
    err = "\n".join(line for _, line in lines.err)
    assert "Interrupted during the rollback" in err and "Traceback" not in err
    assert "Rolled back: consul_intention.web:db, nomad_job.web" in err, lines.text()
    assert _web_command(agents) == command  # the running restore finished and was recorded

    mesh.edit(DENY, ALLOW)
    plan = mesh.run("plan", "--detailed-exitcode")  # the lock was released
    assert plan.exit_code == 0, plan.both
    assert "No changes." in plan.stdout
    assert "Objects have changed outside of ncplan" not in plan.stdout


def test_nomad_refuses_a_revert_whose_prior_version_is_stale(
        agents: Agents, unique: str) -> None:
    settings = NomadHttpSettings(address=agents.nomad_addr)
    jobs, versions = NomadJobs(settings), NomadJobVersions(settings)
    name = f"revert-{unique}"
    hcl = ('job "%s" {\n  datacenters = ["dc1"]\n  group "g" {\n    task "t" {\n'
           '      driver = "raw_exec"\n      config {\n        command = "/bin/sleep"\n'
           '        args = ["%s"]\n      }\n    }\n  }\n}\n')
    try:
        index = jobs.register(jobs.parse(hcl % (name, "600")), 0)
        jobs.register(jobs.parse(hcl % (name, "700")), index)
        kept = versions.versions(name)
        assert [v.version for v in kept] == [1, 0]
        assert kept[1].job_modify_index == index
        with pytest.raises(CheckAndSetConflict, match="version 0 is no longer current"):
            versions.revert(name, 0, enforce_prior_version=0)
        reverted = versions.revert(name, 0, enforce_prior_version=1)
        live = jobs.read(name)
        assert live is not None and live.modify_index == reverted
        assert live.body["Version"] == 2
        assert live.body["TaskGroups"][0]["Tasks"][0]["Config"]["args"] == ["600"]
    finally:
        purge_jobs(agents, [name])
