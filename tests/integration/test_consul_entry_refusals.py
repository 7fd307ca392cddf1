"""Each rule of ncplan's entry validation (config/entry_checks.py) against the real
Consul: every case of tests/unit/config/consul_entry_cases.py is written to the dev agent
(``before``, then ``bad``) through the provider; Consul's refusal is the message validate
gives, and what Consul accepts validate accepts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentlib import Agents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "config"))

from consul_entry_cases import Body, Case, cases, ncplan_errors

from ncplan.errors import ProviderError
from ncplan.providers.consul_config import ConfigEntries, consul_client
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy

SUFFIX = "-refusal"


@pytest.fixture
def entries(agents: Agents) -> ConfigEntries:
    return ConfigEntries(consul_client(ConsulHttpSettings(address=agents.consul_addr),
                                       retry=RetryPolicy(tries=1)))


@pytest.fixture
def written(agents: Agents) -> Iterator[list[Body]]:
    """What a case wrote, deleted in reverse afterwards."""
    bodies: list[Body] = []
    yield bodies
    for body in reversed(bodies):
        agents.consul("DELETE", f"/v1/config/{body['Kind']}/{body['Name']}")


def consul_answer(entries: ConfigEntries, body: Body) -> str:
    """``""`` when Consul accepts ``body``, else its refusal message."""
    try:
        assert entries.put(body, 0) is True
    except ProviderError as error:
        return str(error)
    return ""


@pytest.mark.parametrize("case", cases(SUFFIX), ids=lambda c: c.id)
def test_validate_refuses_what_consul_refuses_with_its_message(
        case: Case, entries: ConfigEntries, written: list[Body]) -> None:
    for body in case.before:
        assert consul_answer(entries, body) == ""
        written.append(body)
    answer = consul_answer(entries, case.bad)
    if not answer:
        written.append(case.bad)
    ours = ncplan_errors(case)
    if case.refusal:
        assert case.refusal in answer  # the case holds Consul's own message ...
        assert case.refusal in ours  # ... and validate says it
    else:
        assert answer == "" and ours == []
