"""The registry holds every kind an address can name, and the code that iterates it never
branches on a kind's name: a kind's logic is its module's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ncplan.address import KINDS as ADDRESS_KINDS
from ncplan.errors import NcplanError
from ncplan.kinds.registry import KINDS, kind_at, kind_of

PACKAGE = Path(__file__).resolve().parents[3] / "ncplan"
#: What iterates the registry: no kind's name is spelt here.
KIND_BLIND = [
    "planner/diff.py", "planner/drift.py", "planner/build.py", "planner/ownership.py",
    "planner/redaction.py", "planner/engine.py", "planner/rollback.py",
    "orchestration/refresh.py",
    "orchestration/live_indexes.py", "orchestration/executors.py",
    "orchestration/import_run.py", *(str(p.relative_to(PACKAGE))
                                     for p in sorted((PACKAGE / "views").glob("*.py"))),
]


def test_every_kind_an_address_names_is_registered_in_the_address_order() -> None:
    assert tuple(KINDS) == ADDRESS_KINDS
    assert all(kind.name == name for name, kind in KINDS.items())


def test_an_unknown_kind_is_an_ncplan_error_naming_the_known_ones() -> None:
    with pytest.raises(NcplanError, match="unknown resource kind 'nomad_volume'"):
        kind_of("nomad_volume")
    kind, address = kind_at("consul_intention.web:db")
    assert kind is KINDS["consul_intention"]
    assert kind.read_key(address) == "db"


@pytest.mark.parametrize("module", KIND_BLIND)
def test_the_code_that_iterates_the_registry_spells_no_kind_name(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text())
    spelt = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and node.value in ADDRESS_KINDS]
    assert spelt == [], f"{module} names a kind on lines {spelt}"
