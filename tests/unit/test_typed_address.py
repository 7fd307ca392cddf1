"""The models carry their address typed (``typed_address``), parsed once per object, beside
the text every file and output spells (``address``), which stays the only field: the
state, the plan file and the views are byte for byte what they were."""

from __future__ import annotations

from dataclasses import asdict, fields, replace

import pytest

from ncplan import address as addresses
from ncplan.address import Address
from ncplan.planner.model import Action, Drift, ResourceChange
from ncplan.resources.desired import DesiredResource
from ncplan.state.model import ResourceState

INTENTION = "consul_intention.ALL:db"
MODELS = [
    DesiredResource(INTENTION, "consul_intention", "ALL:db", {"Name": "*"}),
    ResourceChange(INTENTION, "consul_intention", "ALL:db", Action.CREATE),
    Drift(INTENTION, "consul_intention", "ALL:db", Action.DELETE),
    ResourceState(INTENTION, "consul_intention", "ALL:db"),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_a_model_parses_its_address_once(model: object,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    parse = addresses.parse_address

    def counted(text: str) -> Address:
        calls.append(text)
        return parse(text)
    monkeypatch.setattr(addresses, "parse_address", counted)
    fresh = replace(model)  # type: ignore[type-var]
    assert fresh.typed_address == Address("consul_intention", "ALL:db", "*", "db")
    assert fresh.typed_address.destination == "db"
    assert calls == [INTENTION]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_the_typed_address_is_no_field(model: object) -> None:
    """Not written anywhere, not compared: the files and outputs hold the text alone."""
    assert model.typed_address.kind == "consul_intention"  # type: ignore[attr-defined]
    assert "typed_address" not in {f.name for f in fields(model)}  # type: ignore[arg-type]
    assert "typed_address" not in asdict(model)  # type: ignore[call-overload]
    assert replace(model) == model  # type: ignore[type-var]
