from __future__ import annotations

import json

import pytest

from ncplan.errors import StateError
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
        ResourceState("consul_intention.web->db", "consul_intention", "web->db",
                      {"action": "allow"}, 12, ()),
        ResourceState("nomad_job.web", "nomad_job", "web", {"count": 2}, 31,
                      ("consul_intention.web->db", "nomad_job.db")),
    )


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
