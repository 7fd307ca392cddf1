"""``consul_config_entry``: addresses, lowering with its order, and the comparison of an
entry file with the entry Consul answers (recorded from the real agent), without noise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from consul_recordings import answer

from ncplan.address import parse_address
from ncplan.config import load_config
from ncplan.errors import ConfigError
from ncplan.kinds import consul_config_entry
from ncplan.kinds.base import Action
from ncplan.providers.consul_config_entry import entry_to_write, parse_entry
from ncplan.providers.live import LiveConfigEntry, Refreshed
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.state.model import ResourceState

ROOT = Path(__file__).resolve().parents[3]
LISTED = "config_entries_listed"  # recorded by tests/record/record_consul.py
SPLITTER = "consul_config_entry.service-splitter.api"
RESOLVER = "consul_config_entry.service-resolver.api"
WRITTEN = {"Kind": "service-splitter", "Name": "api",
           "Splits": [{"Weight": 90, "ServiceSubset": "stable"},
                      {"Weight": 10, "ServiceSubset": "canary"}]}


def _listed(kind: str) -> dict[str, Any]:
    payload: dict[str, Any] = answer(LISTED, "GET", f"/v1/config/{kind}").body[0]
    return payload


def _live(kind: str) -> LiveConfigEntry:
    payload = _listed(kind)
    return parse_entry(kind, str(payload.get("Name", "mesh")), payload)


def _refreshed(*entries: LiveConfigEntry) -> Refreshed:
    return Refreshed(config_entries={e.key: e for e in entries})


def _desired(body: dict[str, Any]) -> DesiredResource:
    return DesiredResource(SPLITTER, "consul_config_entry", "service-splitter.api", body)


def _weights(first: int, second: int) -> dict[str, Any]:
    return {**WRITTEN, "Splits": [{"Weight": first, "ServiceSubset": "stable"},
                                  {"Weight": second, "ServiceSubset": "canary"}]}


@pytest.mark.parametrize("spelt", ["service-splitter", "ServiceSplitter", "service_splitter"])
def test_an_entry_address_is_kind_dot_name_in_any_spelling_of_the_kind(spelt: str) -> None:
    address = parse_address(f"consul_config_entry.{spelt}.api")
    assert str(address) == SPLITTER
    assert (address.entry_kind, address.entry_name) == ("service-splitter", "api")


def test_an_entry_address_without_its_kind_is_refused() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_address("consul_config_entry.api")
    assert "KIND.NAME" in refused.value.diagnostics[0].detail


def test_the_written_entry_and_consuls_answer_with_its_mark_are_no_change() -> None:
    verdict = consul_config_entry.compare(_desired(WRITTEN), None,
                                          _refreshed(_live("service-splitter")))
    assert verdict.action is Action.NOOP
    assert verdict.observed_index == _listed("service-splitter")["ModifyIndex"]


def test_a_weight_change_is_one_update_showing_only_the_weights() -> None:
    verdict = consul_config_entry.compare(_desired(_weights(50, 50)), None,
                                          _refreshed(_live("service-splitter")))
    assert verdict.action is Action.UPDATE
    assert verdict.before == WRITTEN  # no Meta mark, no indexes: only the weights differ
    assert verdict.after == _weights(50, 50)


def test_an_entry_consul_does_not_hold_is_created() -> None:
    verdict = consul_config_entry.compare(_desired(WRITTEN), None, Refreshed())
    assert verdict.action is Action.CREATE and verdict.observed_index == 0


def test_a_weight_changed_outside_ncplan_is_drift_and_the_same_entry_is_not() -> None:
    recorded = ResourceState(SPLITTER, "consul_config_entry", "service-splitter.api",
                             attributes=WRITTEN)
    same = consul_config_entry.live_view(recorded.typed_address, recorded,
                                         _refreshed(_live("service-splitter")))
    assert consul_config_entry.drift(recorded, same, None) is None
    moved = ResourceState(SPLITTER, "consul_config_entry", "service-splitter.api",
                          attributes=_weights(80, 20))
    view = consul_config_entry.live_view(moved.typed_address, moved,
                                         _refreshed(_live("service-splitter")))
    drifted = consul_config_entry.drift(moved, view, None)
    assert drifted is not None and drifted.after == WRITTEN


def test_the_owner_is_the_lineage_in_the_entrys_meta() -> None:
    refreshed = _refreshed(_live("service-splitter"), _live("service-resolver"))
    assert consul_config_entry.owner(parse_address(SPLITTER), refreshed).lineage == "L1"
    unmarked = consul_config_entry.owner(parse_address(RESOLVER), refreshed)
    assert unmarked.exists and unmarked.lineage is None


def test_the_mesh_entry_consul_answers_without_a_name_is_named_mesh() -> None:
    assert "Name" not in _listed("mesh")
    assert answer(LISTED, "DELETE", "/v1/config/mesh/mesh").body == {}  # not true
    mesh = _live("mesh")
    assert mesh.key == "mesh.mesh"
    assert "Name" not in entry_to_write("mesh", "mesh", mesh.body)  # Consul takes none
    assert entry_to_write("service-splitter", "api", {"Kind": "x"})["Name"] == "api"


def test_the_canary_example_lowers_its_entries_in_the_order_consul_accepts() -> None:
    config = load_config(ROOT / "examples" / "canary", env={}, use_cache=False).config
    needs = {r.address: r.depends_on for r in lower_config(config)}
    assert RESOLVER in needs[SPLITTER]  # the subsets before the splitter naming them
    assert "consul_service_defaults.api" in needs[RESOLVER]  # protocol first
    assert {SPLITTER, RESOLVER} <= set(needs["nomad_job.web"])  # the chain before web
