"""Types and helpers shared by the integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests


@dataclass(frozen=True)
class Agents:
    consul_addr: str
    nomad_addr: str
    consul_binary: Path
    started_here: bool

    def consul(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{self.consul_addr}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]

    def nomad(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{self.nomad_addr}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]
