"""Consul answers recorded from the real dev agents by tests/record/record_consul.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded" / "consul"


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    body: Any
    default_acl_policy: str | None


def exchanges(name: str) -> list[Exchange]:
    """The exchanges of scenario ``name`` (``recorded/consul/NAME.json``), in order."""
    document = json.loads((RECORDED / f"{name}.json").read_text())
    return [Exchange(**exchange) for exchange in document["exchanges"]]


def answer(name: str, method: str, path: str, nth: int = 0) -> Exchange:
    """The ``nth`` exchange of ``name`` whose request was ``method`` on ``path`` (the path
    before any query string)."""
    found = [e for e in exchanges(name)
             if e.method == method and e.path.split("?")[0] == path]
    return found[nth]
