"""Answers of the secure pair recorded by tests/record/record_identity.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded" / "identity"


@dataclass(frozen=True)
class Exchange:
    api: str
    method: str
    path: str
    status: int
    text: str

    @property
    def answer(self) -> tuple[int, str]:
        """As :func:`local_http.serve` takes it."""
        return self.status, self.text

    def json(self) -> dict[str, object]:
        value = json.loads(self.text)
        assert isinstance(value, dict)
        return value


def exchanges(name: str) -> list[Exchange]:
    document = json.loads((RECORDED / f"{name}.json").read_text())
    return [Exchange(**exchange) for exchange in document["exchanges"]]
