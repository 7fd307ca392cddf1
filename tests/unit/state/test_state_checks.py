"""A state that ncplan could not have written is refused as a located state error, and
an error about a broken state points at its backup; the documented restore works."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.errors import StateError
from ncplan.state.backends.local import open_local
from ncplan.state.codec import decode

LINEAGE = "8a3c7c52-5a0e-4a8e-9c55-0d0f4c1e2b11"
ENV = {"NO_COLOR": "1", "NCPLAN_NO_CACHE": "1", "NOMAD_ADDR": "http://127.0.0.1:1",
       "CONSUL_HTTP_ADDR": "http://127.0.0.1:1"}


def _resource(address: str = "nomad_job.db", **changes: Any) -> dict[str, Any]:
    return {"address": address, "kind": address.partition(".")[0], "id": "db",
            "attributes": {}, "observed_index": 7, "dependencies": [], **changes}


def _doc(serial: int = 3, lineage: str = LINEAGE, resources: list[Any] | None = None,
         ) -> dict[str, Any]:
    return {"version": 3, "ncplan_version": "0.1.0", "serial": serial, "lineage": lineage,
            "resources": [_resource()] if resources is None else resources}


def _decode(doc: dict[str, Any]) -> str:
    with pytest.raises(StateError) as caught:
        decode(json.dumps(doc).encode(), "ncplan.state.json")
    return caught.value.message


@pytest.mark.parametrize(("doc", "message"), [
    (_doc(lineage="prod"),
     "ncplan.state.json: field 'lineage' must be a UUID, not 'prod'"),
    (_doc(lineage="8A3C7C52-5A0E-4A8E-9C55-0D0F4C1E2B11x"),
     "ncplan.state.json: field 'lineage' must be a UUID, not "
     "'8A3C7C52-5A0E-4A8E-9C55-0D0F4C1E2B11x'"),
    (_doc(resources=[_resource(observed_index=-4)]),
     "ncplan.state.json: resource nomad_job.db: field 'observed_index' must not be "
     "negative, not -4"),
    (_doc(resources=[_resource(kind="consul_intention")]),
     "ncplan.state.json: resource nomad_job.db: field 'kind' is 'consul_intention' but the "
     "address is a nomad_job"),
    (_doc(resources=[_resource("aws_instance.db", kind="nomad_job")]),
     "ncplan.state.json: resource aws_instance.db: invalid address 'aws_instance.db': "
     "expected TYPE.NAME with TYPE one of nomad_job, consul_intention, "
     "consul_service_defaults, consul_acl_token, nomad_variable, consul_config_entry"),
    (_doc(resources=[_resource("consul_intention.web->db")]),
     "ncplan.state.json: resource consul_intention.web->db: address "
     "'consul_intention.web->db' is not spelt as this state format writes it "
     "('consul_intention.web:db')"),
    (_doc(resources=[_resource(dependencies=["nomad_job."])]),
     "ncplan.state.json: resource nomad_job.db: dependency 'nomad_job.': invalid address "
     "'nomad_job.': the name after nomad_job. is empty"),
])
def test_a_state_ncplan_could_not_have_written_is_a_located_error(
        doc: dict[str, Any], message: str) -> None:
    assert _decode(doc) == message


def test_an_upper_case_uuid_lineage_is_read() -> None:
    state = decode(json.dumps(_doc(lineage=LINEAGE.upper())).encode(), "s.json")
    assert state.lineage == LINEAGE.upper()


def _run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-C", str(directory), *args], env=ENV)
    return result.exit_code, result.stdout, result.stderr


def test_a_bad_address_in_the_state_is_a_state_error_naming_the_file(tmp_path: Path) -> None:
    """It was a configuration error naming no file."""
    path = tmp_path / "ncplan.state.json"
    path.write_text(json.dumps(_doc(resources=[_resource("nomad_job.a->b")])))
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1
    assert stderr.startswith(f"Error: {path}: resource nomad_job.a->b: invalid address "
                             "'nomad_job.a->b': only consul_intention names contain :")
    assert "configuration" not in stderr


def _write(path: Path, doc: dict[str, Any]) -> bytes:
    data = json.dumps(doc).encode()
    path.write_bytes(data)
    return data


def test_a_serial_that_went_backwards_is_refused_and_the_backup_kept(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    newer = _write(backup, _doc(serial=119, resources=[_resource(), _resource("nomad_job.web")]))
    _write(path, _doc(serial=3))
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1
    assert stderr.startswith(
        f"Error: {path}: serial 3 is lower than serial 119 of its backup {backup}: the state "
        "went back in time")
    assert f"ncplan state push --force {backup}" in stderr
    code, _, stderr = _run(tmp_path, "state", "rm", "nomad_job.db")
    assert code == 1 and "serial 3 is lower than serial 119" in stderr
    assert backup.read_bytes() == newer  # the next write would have replaced it


def test_another_lineage_or_an_older_backup_is_no_reason_to_refuse(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(path, _doc(serial=3))
    _write(backup, _doc(serial=119, lineage="11111111-2222-4333-8444-555555555555"))
    assert open_local(path).read() is not None
    _write(backup, _doc(serial=2))
    assert open_local(path).read() is not None
    backup.write_text("{broken")
    assert open_local(path).read() is not None


def test_each_write_keeps_the_serial_above_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "ncplan.state.json"
    _write(path, _doc(serial=3, resources=[_resource(), _resource("nomad_job.web")]))
    for _ in range(3):
        manager = open_local(path)
        state = manager.read()
        assert state is not None
        manager.write(state.without([state.addresses[-1]]) if state.resources else state)
        manager.persist()
    assert json.loads(path.read_text())["serial"] == 5


def test_an_unreadable_state_names_its_backup(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(backup, _doc(serial=8))
    path.write_text('{"version": 3, "serial": ')
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1
    assert stderr.startswith(f"Error: {path}: the state is not valid JSON")
    assert f"Hint: the previous state is kept in {backup}; to restore it: `ncplan state push " \
           f"--force {backup}`" in " ".join(stderr.split())


def test_the_restore_hint_works_as_pasted_into_a_shell(tmp_path: Path) -> None:
    directory = tmp_path / "my state's dir"
    directory.mkdir()
    path, backup = directory / "ncplan.state.json", directory / "ncplan.state.json.backup"
    _write(backup, _doc(serial=8))
    path.write_text("{")
    code, _, stderr = _run(directory, "state", "list")
    assert code == 1
    hinted = re.search(r"`([^`]+)`", " ".join(stderr.split()))
    assert hinted is not None, stderr
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path), **ENV}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", hinted.group(1)],
                          cwd=directory, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(path.read_text())["serial"] == 8


@pytest.mark.parametrize("current", [b'{"version": 3, "serial": ', b"",
                                     json.dumps(_doc(serial=3)).encode()],
                         ids=["truncated", "empty", "serial went backwards"])
def test_the_documented_restore_works(tmp_path: Path, current: bytes) -> None:
    """docs: "Restoring a state from its backup"."""
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    saved = _doc(serial=119, resources=[_resource(), _resource("nomad_job.web")])
    _write(backup, saved)
    path.write_bytes(current)
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1 and str(backup) in stderr
    code, stdout, stderr = _run(tmp_path, "state", "push", "--force", str(backup))
    assert code == 0, stderr
    code, stdout, stderr = _run(tmp_path, "state", "list")
    assert (code, stdout, stderr) == (0, "nomad_job.db\nnomad_job.web\n", "")
    restored = json.loads(path.read_text())
    assert restored["lineage"] == LINEAGE and restored["serial"] == 119
    assert restored["resources"] == saved["resources"]


def test_push_over_an_unreadable_state_needs_force(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(backup, _doc(serial=8))
    path.write_text("{")
    code, _, stderr = _run(tmp_path, "state", "push", str(backup))
    assert code == 1
    assert stderr.startswith(f"Error: cannot compare with the current state: {path}: the "
                             "state is not valid JSON")
    assert "--force replaces it anyway" in stderr
    assert path.read_text() == "{"


def test_a_hint_of_its_own_is_kept_beside_the_backup(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(backup, _doc(serial=8))
    _write(path, {**_doc(serial=9), "outputs": {}})
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1
    flat = " ".join(stderr.split())
    assert "was the state edited by hand?; the previous state is kept in" in flat


def test_a_newer_format_does_not_send_the_user_to_an_older_backup(tmp_path: Path) -> None:
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(backup, _doc(serial=8))
    _write(path, {**_doc(serial=9), "version": 99})
    code, _, stderr = _run(tmp_path, "state", "list")
    assert code == 1
    assert "upgrade ncplan to read this state" in stderr and "state push" not in stderr


def test_pushing_the_backup_of_the_same_content_raises_the_serial(tmp_path: Path) -> None:
    """A serial that went backwards with nothing else changed: the push must still write."""
    path, backup = tmp_path / "ncplan.state.json", tmp_path / "ncplan.state.json.backup"
    _write(backup, _doc(serial=119))
    _write(path, _doc(serial=3))
    code, stdout, stderr = _run(tmp_path, "state", "push", str(backup))
    assert code == 0, stderr
    assert "serial 119" in stdout
    assert json.loads(path.read_text())["serial"] == 119
    assert _run(tmp_path, "state", "list")[:2] == (0, "nomad_job.db\n")
