"""Each kind's ``read_all`` (one list request) against the real agents: every object a
kind manages is listed under its key with the live index its ``read_one`` gives, and
what is not the kind's (another variable path, another token) is left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from agentlib import Agents, SecureAgents
from plan_helpers import agent_env, apply_all, copy_example

from ncplan.address import parse_address
from ncplan.config import load_config
from ncplan.config.model import Config, NomadSettings
from ncplan.kinds.registry import KINDS, kind_of
from ncplan.providers.clients import Providers
from ncplan.providers.consul_acl_token import ConsulAclTokens
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_variable import NomadVariables
from ncplan.resources.sidecar_identity import token_accessor_id, variable_path
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.nomad import NomadHttpSettings


def _providers(directory: Path, env: dict[str, str]) -> Providers:
    config: Config = load_config(directory, env=env, use_cache=False).config
    return Providers.from_config(config, env)


@pytest.mark.usefixtures("wiped")
def test_jobs_intentions_and_service_defaults_are_listed_at_their_live_index(
        agents: Agents, tmp_path: Path) -> None:
    directory = copy_example("envoy-mesh", tmp_path)
    env = agent_env(agents)
    state = apply_all(directory, env)
    providers = _providers(directory, env)
    listed = {name: kind.read_all(providers) for name, kind in KINDS.items()
              if name in ("nomad_job", "consul_intention", "consul_service_defaults")}
    seen = set()
    for recorded in state.resources:
        kind = kind_of(recorded.kind)
        key = kind.read_key(parse_address(recorded.address))
        live = kind.read_one(providers, key)
        assert live is not None
        assert listed[kind.name][key] == kind.index(live) == recorded.observed_index, \
            recorded.address
        seen.add(kind.name)
    assert seen == set(listed)


def test_variables_are_listed_by_job_name_only_under_nomad_jobs(
        agents: Agents, unique: str) -> None:
    nomad = NomadHttpSettings.resolve(NomadSettings(address=agents.nomad_addr), env={})
    variables = NomadVariables(nomad)
    name = f"list{unique}"
    paths = [variable_path(name), f"{variable_path(name)}/deeper", f"other/{name}"]
    try:
        for path in paths:
            put = agents.nomad("PUT", f"/v1/var/{path}", json={"Path": path,
                                                               "Items": {"k": "v"}})
            assert put.status_code == 200, put.text
        listed = variables.list_indexes()
        live = variables.read(name)
        assert live is not None and listed[name] == live.modify_index
        assert not any(key.endswith("deeper") or key.startswith("other") for key in listed)
    finally:
        for path in paths:
            agents.nomad("DELETE", f"/v1/var/{path}")


def test_sidecar_tokens_are_listed_by_service_name_and_no_other_token(
        secure_agents: SecureAgents, unique: str) -> None:
    consul = ConsulHttpSettings(address=secure_agents.consul_addr,
                                token=secure_agents.consul_token,
                                ca_cert=str(secure_agents.ca_file))
    tokens = ConsulAclTokens(consul)
    name = f"list{unique}"
    made = secure_agents.consul("PUT", "/v1/acl/token", json={
        "AccessorID": token_accessor_id(name), "Description": "test",
        "ServiceIdentities": [{"ServiceName": name}]})
    assert made.status_code == 200, made.text
    other = secure_agents.consul("PUT", "/v1/acl/token", json={
        "Description": "not a sidecar's", "ServiceIdentities": [{"ServiceName": f"x{name}"}]})
    assert other.status_code == 200, other.text
    try:
        listed = tokens.list_indexes()
        live = tokens.read(name)
        assert live is not None and listed[name] == live.modify_index
        assert f"x{name}" not in listed
    finally:
        secure_agents.consul("DELETE", f"/v1/acl/token/{token_accessor_id(name)}")
        secure_agents.consul("DELETE", f"/v1/acl/token/{other.json()['AccessorID']}")


def test_the_list_of_an_empty_kind_is_empty(agents: Agents, unique: str) -> None:
    consul = ConsulHttpSettings(address=agents.consul_addr)
    nomad = NomadHttpSettings.resolve(NomadSettings(address=agents.nomad_addr), env={})
    assert f"none{unique}" not in ConsulServiceDefaults(consul).list_indexes()
    assert f"none{unique}" not in ConsulIntentions(consul).list_indexes()
    assert f"none{unique}" not in NomadJobs(nomad).list_indexes()
