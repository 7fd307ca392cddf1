"""Addresses are built and parsed in one module; a parsed address gives back its parts."""

from __future__ import annotations

import pytest

from ncplan.address import (
    Address,
    canonical_address,
    intention_address,
    job_address,
    parse_address,
    service_defaults_address,
)
from ncplan.config.model import Intention, RawJob, Service, Task
from ncplan.errors import ConfigError


def test_built_addresses_parse_back_to_their_parts() -> None:
    assert parse_address(job_address("db")) == Address("nomad_job", "db")
    assert parse_address(service_defaults_address("api")) == Address(
        "consul_service_defaults", "api")
    assert parse_address(intention_address("web", "db")) == Address(
        "consul_intention", "web:db", "web", "db")
    assert parse_address(intention_address("*", "db")) == Address(
        "consul_intention", "ALL:db", "*", "db")
    assert str(parse_address("consul_intention.ALL:db")) == "consul_intention.ALL:db"


@pytest.mark.parametrize("text", [
    "consul_intention.web:db", "consul_intention.web->db",
])
def test_the_older_arrow_is_read_and_printed_the_new_way(text: str) -> None:
    assert parse_address(text) == Address("consul_intention", "web:db", "web", "db")
    assert canonical_address(text) == "consul_intention.web:db"


@pytest.mark.parametrize("text", [
    "consul_intention.ALL:db", "consul_intention.*:db", "consul_intention.*->db",
    "consul_intention.ALL->db",
])
def test_the_wildcard_is_read_as_all_or_star_and_printed_as_all(text: str) -> None:
    assert parse_address(text) == Address("consul_intention", "ALL:db", "*", "db")
    assert canonical_address(text) == "consul_intention.ALL:db"


def test_an_address_that_does_not_parse_is_left_as_given() -> None:
    assert canonical_address("nomad_job") == "nomad_job"


def test_job_name_is_the_destination_for_an_intention() -> None:
    assert parse_address("consul_intention.web:db").job_name == "db"
    assert parse_address("consul_service_defaults.api").job_name == "api"


def test_the_model_uses_the_same_addresses() -> None:
    task = Task("raw_exec")
    assert Service("db", task).address == "nomad_job.db"
    assert RawJob("legacy", "job {}").address == "nomad_job.legacy"
    assert Intention("web", "db").address == "consul_intention.web:db"


@pytest.mark.parametrize(("text", "detail"), [
    ("nomad_job", "expected TYPE.NAME"),
    ("aws_instance.x", "expected TYPE.NAME"),
    ("nomad_job.", "is empty"),
    ("consul_intention.web", "SOURCE:DESTINATION"),
    ("consul_intention.:db", "SOURCE:DESTINATION"),
    ("consul_intention.web:", "SOURCE:DESTINATION"),
    ("consul_intention.->db", "SOURCE:DESTINATION"),
    ("consul_intention.web->", "SOURCE:DESTINATION"),
    ("consul_intention.a:b:c", "SOURCE:DESTINATION"),
    ("consul_intention.a->b:c", "SOURCE:DESTINATION"),
    ("nomad_job.a:b", "only consul_intention"),
    ("nomad_job.a->b", "only consul_intention"),
])
def test_an_invalid_address_is_a_config_error(text: str, detail: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_address(text)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.summary == f"invalid resource address {text!r}"
    assert detail in diagnostic.detail
