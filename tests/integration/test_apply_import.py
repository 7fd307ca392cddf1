"""`ncplan import ADDR ID` on the real agents: adopted objects plan with no changes when the
configuration matches them and with a field diff when it does not; refusals name why.
`lifecycle { prevent_destroy = true }` stops a destroy before anything is done."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents
from apply_helpers import ALLOW, DENY, NAMES, Mesh, make_mesh
from plan_helpers import wipe


@pytest.fixture
def applied(tmp_path: Path, agents: Agents) -> Iterator[Mesh]:
    found = make_mesh(tmp_path, agents)
    done = found.run("apply", "--auto-approve", "--no-wait")
    assert done.exit_code == 0, done.both
    yield found
    wipe(agents, NAMES)


def _forget(mesh: Mesh, *addresses: str) -> None:
    done = mesh.run("state", "rm", *addresses)
    assert done.exit_code == 0, done.both


def test_imported_objects_plan_no_changes_then_a_field_diff(applied: Mesh) -> None:
    _forget(applied, "nomad_job.db", "consul_intention.web:db")
    job = applied.run("import", "nomad_job.db", "db")
    assert job.exit_code == 0, job.both
    assert "Import successful!" in job.stdout and job.stderr == ""
    intention = applied.run("import", "consul_intention.web:db", "web:db")
    assert intention.exit_code == 0, intention.both
    assert "consul_intention.web:db" in applied.addresses()
    again = applied.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.both
    assert "No changes." in again.stdout
    offline = applied.run("plan", "--no-refresh", "--detailed-exitcode")
    assert offline.exit_code == 0, offline.both  # recorded as apply records them

    applied.edit(ALLOW, DENY)
    applied.edit('service "db" {', 'service "db" {\n  count = 3\n')
    changed = applied.run("plan", "--detailed-exitcode")
    assert changed.exit_code == 2, changed.both
    assert "# consul_intention.web:db will be updated in-place" in changed.stdout
    assert '"allow" -> "deny"' in changed.stdout
    assert "# nomad_job.db will be updated in-place" in changed.stdout
    assert "Plan: 0 to add, 2 to change, 0 to destroy." in changed.stdout
    offline = applied.run("plan", "--no-refresh", "--detailed-exitcode")
    assert offline.exit_code == 2, offline.both
    assert "Plan: 0 to add, 2 to change, 0 to destroy." in offline.stdout


def test_import_refuses_unknown_addresses_wrong_ids_missing_objects_and_known_ones(
        applied: Mesh, agents: Agents) -> None:
    unknown = applied.run("import", "nomad_job.cache", "cache")
    assert unknown.exit_code == 1
    assert "nomad_job.cache is not in the configuration" in unknown.stderr
    known = applied.run("import", "nomad_job.db", "db")
    assert known.exit_code == 1
    assert "nomad_job.db is already in the state" in known.stderr

    _forget(applied, "nomad_job.web")
    wrong = applied.run("import", "nomad_job.web", "db")
    assert wrong.exit_code == 1
    assert "nomad_job.web manages the object with ID 'web', not 'db'" in wrong.stderr
    agents.nomad("DELETE", "/v1/job/web", params={"purge": "true"})
    missing = applied.run("import", "nomad_job.web", "web")
    assert missing.exit_code == 1
    assert "nomad_job.web: no object 'web' exists in Nomad" in missing.stderr
    assert "nomad_job.web" not in applied.addresses()


def test_prevent_destroy_stops_destroy_before_anything_is_done(
        applied: Mesh, agents: Agents) -> None:
    applied.edit('service "db" {', 'service "db" {\n  lifecycle {\n    prevent_destroy = true\n'
                                   '  }\n')
    serial = applied.state()["serial"]
    done = applied.run("destroy", "--auto-approve")
    assert done.exit_code == 1
    assert "nomad_job.db cannot be destroyed: lifecycle.prevent_destroy is set" in done.stderr
    assert "main.hcl:" in done.stderr
    assert agents.nomad("GET", "/v1/job/web").status_code == 200
    assert applied.state()["serial"] == serial


def test_destroy_target_deletes_it_and_what_needs_it(applied: Mesh, agents: Agents) -> None:
    done = applied.run("destroy", "--auto-approve", "--target", "consul_intention.web:db")
    assert done.exit_code == 0, done.both
    assert "Destroy complete! Resources: 2 destroyed." in done.stdout
    assert applied.addresses() == ["nomad_job.db"]
    assert agents.nomad("GET", "/v1/job/web").status_code == 404
    assert agents.nomad("GET", "/v1/job/db").status_code == 200


def _bash(mesh: Mesh, command: str) -> subprocess.CompletedProcess[str]:
    """``command`` pasted into a plain bash in the configuration directory."""
    env = {**mesh.env, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "HOME": str(mesh.directory), "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1"}
    return subprocess.run(["bash", "--norc", "--noprofile", "-c", command],
                          cwd=mesh.directory, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_printed_addresses_and_hints_work_pasted_into_a_shell(applied: Mesh,
                                                               agents: Agents) -> None:
    """``state rm consul_intention.web->db`` made a file named db; the wildcard source
    ``*`` is spelt ALL so that no shell globs it."""
    applied.edit('intention "web" "db" {', 'intention "*" "db" {\n  action = "deny"\n}\n\n'
                 'intention "web" "db" {')
    done = _bash(applied, "ncplan apply --auto-approve --no-wait")
    assert done.returncode == 0, done.stderr
    assert "consul_intention.ALL:db: Creation complete" in done.stdout
    listed = _bash(applied, "ncplan state list")
    assert "consul_intention.ALL:db" in listed.stdout.split()
    for address in ("consul_intention.ALL:db", "consul_intention.web:db"):
        removed = _bash(applied, f"ncplan state rm {address}")
        assert removed.returncode == 0, removed.stderr
        wrong = _bash(applied, f"ncplan import {address} db")
        assert wrong.returncode == 1
        hint = " ".join(wrong.stderr.split()).split("Hint: ")[1].strip()
        assert hint == f"ncplan import {address} {address.partition('.')[2]}"
        imported = _bash(applied, hint)
        assert imported.returncode == 0, imported.stderr
        assert "Import successful!" in imported.stdout
    assert sorted(p.name for p in applied.directory.iterdir() if p.name in ("db", "ALL"))\
        == []
    again = _bash(applied, "ncplan plan --detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    entry = agents.consul("GET", "/v1/config/service-intentions/db").json()
    assert sorted(s["Name"] for s in entry["Sources"]) == ["*", "web"]
