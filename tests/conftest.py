"""Shared test configuration: every test under tests/integration/ is marked `integration`.

No test sees the user's shell: the variables ncplan, Nomad's and Consul's clients and Rich
read (NCPLAN_*, NOMAD_*, CONSUL_*, NO_COLOR, ...) are cleared for the session and again
before each test, which sets the ones it means (the processes tests and fixtures start
inherit that). Kept: the variables that steer
the test run itself (NCPLAN_TEST_* agents, the agents' cache, the snapshot update switch,
the shared guide directory), read by fixtures and helpers, never by ncplan.

Hypothesis runs without its per-example deadline: tests assert behaviour, not speed
(benchmarks in bench/ print figures), and a loaded CI machine must not fail a property
because one example took 250 ms."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

INTEGRATION_DIR = Path(__file__).parent / "integration"

SHELL_PREFIXES = ("NCPLAN_", "NOMAD_", "CONSUL_")
SHELL_NAMES = frozenset({"NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"})
TEST_RUN_NAMES = frozenset({"NCPLAN_AGENTS_CACHE", "NCPLAN_UPDATE_SNAPSHOTS",
                            "NCPLAN_SHARED_DIR"})


def from_the_shell(name: str) -> bool:
    """A variable of the user's shell that would change what ncplan does or prints."""
    if name.startswith("NCPLAN_TEST_") or name in TEST_RUN_NAMES:
        return False
    return name.startswith(SHELL_PREFIXES) or name in SHELL_NAMES


def clear_shell_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if from_the_shell(n)]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session", autouse=True)
def _no_shell_variables_in_the_session() -> Iterator[None]:
    """Before any fixture (the agents' included) starts a process; restored at the end."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_shell_variables(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def _no_shell_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Again before each test: one test's stray variable never reaches the next."""
    clear_shell_variables(monkeypatch)


# Derandomized under CI (hypothesis' advice for CI): a run is repeatable; explore locally.
settings.register_profile("ncplan", deadline=None,
                          derandomize=os.environ.get("CI", "").lower() == "true")
settings.load_profile("ncplan")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
