"""The real Consul and Nomad dev agents, started once per test session.

The `agents` fixture starts its own pair on free loopback ports (scripts/devagents.py) and
stops it at the end, leaving no process behind; or, when NCPLAN_TEST_CONSUL_ADDR and
NCPLAN_TEST_NOMAD_ADDR are both set, uses those agents and starts nothing. When the
binaries are missing the tests fail (never skip) with a message naming
`scripts/agents build`.

The `secure_agents` fixture starts, only when a test asks for it, a second pair with ACLs
(Consul's default policy deny) and HTTPS (`devagents.start(secure=True)`), and hands out
its CA and management tokens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import devagents
from agentlib import Agents, SecureAgents
from plan_helpers import agent_env, apply_all, copy_example, wipe
from purging import wait_all_stopped


def _consul_binary() -> Path:
    if devagents.agent_version(devagents.CONSUL.binary):
        return devagents.CONSUL.binary
    found = shutil.which("consul")
    return Path(found) if found else devagents.CONSUL.binary


@pytest.fixture(scope="session")
def agents() -> Iterator[Agents]:
    consul_addr = os.environ.get("NCPLAN_TEST_CONSUL_ADDR")
    nomad_addr = os.environ.get("NCPLAN_TEST_NOMAD_ADDR")
    if consul_addr and nomad_addr:
        yield Agents(consul_addr.rstrip("/"), nomad_addr.rstrip("/"), _consul_binary(), False)
        return
    try:
        pair = devagents.start()
    except devagents.AgentError as error:
        pytest.fail(f"integration tests need the Consul and Nomad dev agents: {error}",
                    pytrace=False)
    try:
        yield Agents(pair.consul_addr, pair.nomad_addr, Path(pair.consul_binary), True)
    finally:
        pair.stop()


@pytest.fixture(scope="session")
def two_pairs() -> Iterator[tuple[Agents, Agents]]:
    """Two more independent pairs (two clusters), started for the tests that ask."""
    with started_pairs(2) as pairs:
        yield pairs[0], pairs[1]


@contextlib.contextmanager
def started_pairs(count: int) -> Iterator[list[Agents]]:
    """``count`` Consul + Nomad pairs on their own free loopback ports, all stopped at the
    end (those already started too, when a later one fails to start)."""
    started: list[devagents.AgentPair] = []
    try:
        for _ in range(count):
            try:
                started.append(devagents.start())
            except devagents.AgentError as error:
                pytest.fail(f"integration tests need the Consul and Nomad dev agents: "
                            f"{error}", pytrace=False)
        yield [Agents(p.consul_addr, p.nomad_addr, Path(p.consul_binary), True)
               for p in started]
    finally:
        for pair in started:
            pair.stop()


@pytest.fixture(scope="session")
def secure_agents() -> Iterator[SecureAgents]:
    try:
        pair = devagents.start(secure=True)
    except devagents.AgentError as error:
        pytest.fail(f"secure integration tests need the Consul and Nomad dev agents: {error}",
                    pytrace=False)
    try:
        yield SecureAgents(pair.consul_addr, pair.nomad_addr, pair.ca_file,
                           pair.token("consul") or "", pair.token("nomad") or "",
                           Path(pair.consul_binary), Path(pair.nomad_binary),
                           Path(pair.run_dir))
    finally:
        pair.stop()


@pytest.fixture(autouse=True)
def settled_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the session's agents: Nomad has processed every evaluation and
    stopped every allocation it was told to stop, whoever stopped or purged the job. The
    next test's jobs (often of the same names) then meet neither a pending deregistration
    nor a client whose resources the stopping allocations still hold."""
    yield
    if "agents" in request.fixturenames:
        wait_all_stopped(request.getfixturevalue("agents"))


@pytest.fixture
def unique() -> str:
    """A short unique suffix, so tests sharing the agents never collide on names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def wiped(agents: Agents) -> Iterator[None]:
    """The examples' jobs and Consul entries purged before and after the test: the examples
    share their names (db, web, ...), so tests that use them must not see each other's."""
    wipe(agents)
    yield
    wipe(agents)


@pytest.fixture
def applied(agents: Agents, tmp_path: Path, wiped: None) -> Path:
    """A copy of examples/connect-on-nomad, applied with `ncplan apply`."""
    directory = copy_example("connect-on-nomad", tmp_path)
    apply_all(directory, agent_env(agents))
    return directory
