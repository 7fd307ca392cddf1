from __future__ import annotations

import json
from pathlib import Path

import pytest

from ncplan.errors import StateError
from ncplan.state.backends.local import open_local
from ncplan.state.codec import decode
from ncplan.state.migrations import UPGRADES, upgrade
from ncplan.state.model import CURRENT_VERSION, ResourceState

VERSION_1 = {
    "version": 1,
    "serial": 4,
    "lineage": "8a3c7c52-5a0e-4a8e-9c55-0d0f4c1e2b11",
    "resources": {
        "nomad_job.web": {"id": "web", "attributes": {"count": 2}, "modify_index": 31,
                          "depends_on": ["nomad_job.db", "consul_intention.web->db"]},
        "consul_intention.web->db": {"id": "web->db", "attributes": {"action": "allow"},
                                     "modify_index": 12},
    },
}


def test_every_older_version_has_an_upgrade() -> None:
    assert sorted(UPGRADES) == list(range(1, CURRENT_VERSION))


def test_version_1_is_upgraded_on_read() -> None:
    state = decode(json.dumps(VERSION_1).encode(), "old.json")
    assert state.version == CURRENT_VERSION
    assert state.serial == 4
    assert state.lineage == VERSION_1["lineage"]
    assert state.ncplan_version == "0.0.0"
    assert state.resources == (
        ResourceState("consul_intention.web:db", "consul_intention", "web:db",
                      {"action": "allow"}, 12, ()),
        ResourceState("nomad_job.web", "nomad_job", "web", {"count": 2}, 31,
                      ("consul_intention.web:db", "nomad_job.db")),
    )


VERSION_2 = {
    "version": 2, "ncplan_version": "0.1.0", "serial": 7,
    "lineage": "8a3c7c52-5a0e-4a8e-9c55-0d0f4c1e2b11",
    "resources": [
        {"address": "consul_intention.*->count-api", "kind": "consul_intention",
         "id": "*->count-api", "attributes": {"Action": "deny"}, "observed_index": 9,
         "dependencies": ["nomad_job.count-api"]},
        {"address": "consul_intention.web->db", "kind": "consul_intention", "id": "web->db",
         "attributes": {"Action": "allow"}, "observed_index": 12,
         "dependencies": ["nomad_job.db"]},
        {"address": "nomad_job.web", "kind": "nomad_job", "id": "web",
         "attributes": {"Name": "web"}, "observed_index": 31,
         "dependencies": ["nomad_job.db", "consul_intention.web->db"]},
    ],
}


def test_version_2_intention_addresses_are_spelt_for_a_shell() -> None:
    """Version 2 wrote ``consul_intention.web->db``: the ``>`` redirects in a shell."""
    state = decode(json.dumps(VERSION_2).encode(), "v2.json")
    assert (state.version, state.serial, state.lineage) == (
        CURRENT_VERSION, 7, VERSION_2["lineage"])
    assert state.resources == (
        ResourceState("consul_intention.ALL:count-api", "consul_intention", "ALL:count-api",
                      {"Action": "deny"}, 9, ("nomad_job.count-api",)),
        ResourceState("consul_intention.web:db", "consul_intention", "web:db",
                      {"Action": "allow"}, 12, ("nomad_job.db",)),
        ResourceState("nomad_job.web", "nomad_job", "web", {"Name": "web"}, 31,
                      ("consul_intention.web:db", "nomad_job.db")),
    )


def test_a_migrated_state_is_written_in_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "ncplan.state.json"
    path.write_text(json.dumps(VERSION_2))
    manager = open_local(path)
    state = manager.read()
    assert state is not None
    manager.write(state.without(["nomad_job.web"]))
    manager.persist()
    written = json.loads(path.read_text())
    assert written["version"] == CURRENT_VERSION == 3
    assert [r["address"] for r in written["resources"]] == [
        "consul_intention.ALL:count-api", "consul_intention.web:db"]
    assert json.loads((tmp_path / "ncplan.state.json.backup").read_text()) == VERSION_2


def test_a_version_2_dependency_of_the_wrong_type_is_located() -> None:
    doc = json.loads(json.dumps(VERSION_2))
    doc["resources"][2]["dependencies"] = ["nomad_job.db", 5]
    with pytest.raises(StateError) as caught:
        decode(json.dumps(doc).encode(), "v2.json")
    assert caught.value.message == (
        "v2.json: cannot upgrade the state from version 2: version 2 resource "
        "'nomad_job.web': field 'dependencies' must be a list of strings")


def test_upgrade_leaves_the_input_alone() -> None:
    before = json.dumps(VERSION_1, sort_keys=True)
    upgrade(json.loads(before))
    assert json.dumps(VERSION_1, sort_keys=True) == before


def test_a_version_1_document_of_the_wrong_shape_is_refused() -> None:
    doc = dict(VERSION_1, resources=[{"address": "nomad_job.web"}])
    with pytest.raises(StateError, match=r"old\.json: cannot upgrade the state from version 1: "
                                         r"version 1 'resources' must be an object"):
        decode(json.dumps(doc).encode(), "old.json")


def _resource(**changes: object) -> dict[str, object]:
    entry = dict(VERSION_1["resources"]["nomad_job.web"])  # type: ignore[index]
    entry.update(changes)
    return entry


@pytest.mark.parametrize(("doc", "problem"), [
    (dict(VERSION_1, resources={"nomad_job.web": _resource(depends_on=5)}),
     "version 1 resource 'nomad_job.web': field 'depends_on' must be a list, not a number"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(depends_on=["a", 1])}),
     "version 1 resource 'nomad_job.web': field 'depends_on' must be a list of strings"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(modify_index="31")}),
     "version 1 resource 'nomad_job.web': field 'modify_index' must be a number, not a string"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(modify_index=True)}),
     "version 1 resource 'nomad_job.web': field 'modify_index' must be a number, not a bool"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(attributes=[])}),
     "version 1 resource 'nomad_job.web': field 'attributes' must be an object, not a list"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(id=None)}),
     "version 1 resource 'nomad_job.web': field 'id' must be a string, not null"),
    (dict(VERSION_1, resources={"nomad_job.web": _resource(tainted=True)}),
     "version 1 resource 'nomad_job.web': unknown field 'tainted'"),
    (dict(VERSION_1, outputs={}), "version 1 state: unknown field 'outputs'"),
])
def test_a_version_1_field_of_the_wrong_type_is_located(doc: dict[str, object],
                                                        problem: str) -> None:
    with pytest.raises(StateError) as caught:
        decode(json.dumps(doc).encode(), "old.json")
    assert caught.value.message == (
        f"old.json: cannot upgrade the state from version 1: {problem}")


def test_a_version_1_state_without_serial_says_so() -> None:
    doc = {k: v for k, v in VERSION_1.items() if k != "serial"}
    with pytest.raises(StateError, match=r"^old\.json: missing field 'serial'$"):
        decode(json.dumps(doc).encode(), "old.json")
