"""``ncplan plan`` against a Consul with ACLs on and default policy deny (started here,
as tests/record/record_consul.py starts it), beside the `agents` fixture's Nomad."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from agentlib import Agents
from plan_helpers import agent_env, copy_example, ncplan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "record"))

from record_consul import acl_consul


@pytest.fixture(scope="module")
def deny_consul() -> Iterator[tuple[str, str]]:
    """The address of an ACL default-deny Consul and its management token."""
    with acl_consul() as address:
        token = requests.put(address + "/v1/acl/bootstrap", timeout=10).json()["SecretID"]
        yield address, token


pytestmark = pytest.mark.usefixtures("wiped")


def test_a_403_names_the_api_the_request_and_the_token_variable(
        agents: Agents, deny_consul: tuple[str, str], tmp_path: Path) -> None:
    address, _ = deny_consul
    directory = copy_example("connect-on-nomad", tmp_path)
    run = ncplan(directory, ["plan"], {**agent_env(agents), "CONSUL_HTTP_ADDR": address,
                                       "CONSUL_HTTP_TOKEN": None})
    assert (run.exit_code, run.stdout) == (1, "")
    assert ("consul_intention.web:db: Consul refused GET /v1/config/service-intentions/db "
            "(403") in run.stderr
    assert "CONSUL_HTTP_TOKEN" in run.stderr
    assert 'intentions = "read" on service "db"' in run.stderr  # what the token lacks
    assert "Traceback" not in run.stderr


def test_an_acl_default_deny_mesh_warns_about_an_upstream_no_intention_allows(
        agents: Agents, deny_consul: tuple[str, str], tmp_path: Path) -> None:
    address, token = deny_consul
    directory = copy_example("connect-on-nomad", tmp_path)
    main = directory / "main.hcl"
    text = main.read_text()
    main.write_text(text[:text.index('intention "web" "db"')])
    env = {**agent_env(agents), "CONSUL_HTTP_ADDR": address, "CONSUL_HTTP_TOKEN": token}
    run = ncplan(directory, ["plan"], env)
    assert run.exit_code == 0, run.both
    assert ("web -> db: upstream declared but no intention allows it; connections will "
            "be refused") in run.both


@contextmanager
def hidden_entry(deny_consul: tuple[str, str], entry: dict[str, Any],
                 rules: str) -> Iterator[str]:
    """``entry`` written with the management token, and a token of ``rules`` (its
    secret, yielded) that may not read it; the entry deleted after."""
    address, token = deny_consul
    management = {"X-Consul-Token": token}
    assert requests.put(address + "/v1/config", json=entry, headers=management,
                        timeout=10).json() is True
    policy = requests.put(address + "/v1/acl/policy", headers=management, timeout=10,
                          json={"Name": f"narrow-{entry['Name']}", "Rules": rules})
    narrow = requests.put(address + "/v1/acl/token", headers=management, timeout=10,
                          json={"Policies": [{"ID": policy.json()["ID"]}]}).json()["SecretID"]
    try:
        yield str(narrow)
    finally:
        requests.delete(f"{address}/v1/config/{entry['Kind']}/{entry['Name']}",
                        headers=management, timeout=10)


def test_an_intention_a_filtered_list_left_out_is_read_not_planned_as_a_create(
        agents: Agents, deny_consul: tuple[str, str], tmp_path: Path) -> None:
    """A token that may list intentions but not read db's: Consul answers the list
    without db's entry (and says so in X-Consul-Results-Filtered-By-ACLs). The absence
    proves nothing, so the entry is read and the refusal fails the plan; it is not
    planned as a create that apply would find refused."""
    entry = {"Kind": "service-intentions", "Name": "db",
             "Sources": [{"Name": "web", "Action": "allow"}]}
    directory = copy_example("connect-on-nomad", tmp_path)
    with hidden_entry(deny_consul, entry,
                      'service "other" { policy = "read" intentions = "read" }') as narrow:
        run = ncplan(directory, ["plan"], {**agent_env(agents),
                                           "CONSUL_HTTP_ADDR": deny_consul[0],
                                           "CONSUL_HTTP_TOKEN": narrow})
    assert (run.exit_code, run.stdout) == (1, ""), run.both
    assert ("consul_intention.web:db: Consul refused GET /v1/config/service-intentions/db "
            "(403") in run.stderr
    assert "Traceback" not in run.stderr


def test_a_config_entry_a_filtered_list_left_out_is_read_not_planned_as_a_create(
        agents: Agents, deny_consul: tuple[str, str], tmp_path: Path) -> None:
    """The same for a config entry file: its kind's list, filtered, leaves it out; it is
    read on its own, and the refusal names it."""
    entry = {"Kind": "service-resolver", "Name": "hidden", "ConnectTimeout": "5s"}
    (tmp_path / "hidden.consul.hcl").write_text(
        'Kind = "service-resolver"\nName = "hidden"\nConnectTimeout = "5s"\n')
    with hidden_entry(deny_consul, entry, 'service "other" { policy = "read" }') as narrow:
        run = ncplan(tmp_path, ["plan"], {**agent_env(agents),
                                          "CONSUL_HTTP_ADDR": deny_consul[0],
                                          "CONSUL_HTTP_TOKEN": narrow})
    assert (run.exit_code, run.stdout) == (1, ""), run.both
    assert ("consul_config_entry.service-resolver.hidden: Consul refused GET "
            "/v1/config/service-resolver/hidden (403") in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
