"""Shared test configuration: every test under tests/integration/ is marked `integration`.

Hypothesis runs without its per-example deadline: tests assert behaviour, not speed
(benchmarks in bench/ print figures), and a loaded CI machine must not fail a property
because one example took 250 ms."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

INTEGRATION_DIR = Path(__file__).parent / "integration"

settings.register_profile("ncplan", deadline=None)
settings.load_profile("ncplan")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
