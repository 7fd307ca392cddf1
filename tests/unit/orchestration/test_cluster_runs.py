"""Several clusters: each cluster's view of the configuration and of the state, keyed
plans merged into one, --target per cluster, each cluster's own token variables."""

from __future__ import annotations

import pytest

from ncplan.address import parse_address
from ncplan.config.model import (
    Cluster,
    Config,
    ConsulSettings,
    Intention,
    NomadSettings,
    Service,
    Task,
)
from ncplan.errors import ConfigError, NcplanError, ProviderError
from ncplan.orchestration.clusters import (
    check_clusters_known,
    cluster_env,
    in_the_cluster,
    keyed_plan,
    merged_plan,
    naming,
    state_in,
    targets_in,
)
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.state.model import ResourceState, State

EAST = Cluster("east", NomadSettings(address="http://e:4646", token_env="EAST_NOMAD_TOKEN"),
               ConsulSettings(address="http://e:8500", cacert_env="EAST_CA"),
               consul_agent="127.0.0.1:18500")
WEST = Cluster("west", NomadSettings(address="http://w:4646"))
TASK = Task(driver="raw_exec")
CONFIG = Config(directory=".", clusters=(EAST, WEST), services=(
    Service("db", TASK, clusters=("east",)), Service("web", TASK)), intentions=(
    Intention("web", "db"), Intention("web", "api"), Intention("x", "web", clusters=("west",))))


def test_a_cluster_sees_its_services_settings_and_the_intentions_toward_them() -> None:
    east, west = in_the_cluster(CONFIG, EAST), in_the_cluster(CONFIG, WEST)
    assert [s.name for s in east.services] == ["db", "web"]
    assert [s.name for s in west.services] == ["web"]
    assert east.nomad.address == "http://e:4646" and east.clusters == ()
    assert {s.consul_agent for s in east.services} == {"127.0.0.1:18500"}
    assert [(i.source, i.destination) for i in east.intentions] == [("web", "db"),
                                                                   ("web", "api")]
    assert [(i.source, i.destination) for i in west.intentions] == [("web", "api"),
                                                                   ("x", "web")]


def test_a_cluster_reads_only_the_variables_its_blocks_name() -> None:
    env = {"EAST_NOMAD_TOKEN": "e-token", "EAST_CA": "/ca.pem", "NOMAD_TOKEN": "global"}
    assert cluster_env(EAST, env) == {"NOMAD_TOKEN": "e-token", "CONSUL_CACERT": "/ca.pem"}
    assert cluster_env(WEST, env) == {}
    with pytest.raises(NcplanError, match='cluster "east": the environment variable '
                                          "EAST_NOMAD_TOKEN is not set"):
        cluster_env(EAST, {"EAST_CA": "/ca.pem"})


def test_addresses_carry_the_cluster_key() -> None:
    assert str(parse_address("consul_intention.web->db@east")) == \
        "consul_intention.web:db@east"
    assert parse_address("nomad_job.db@east").cluster == "east"
    assert parse_address("nomad_job.db").cluster == ""
    for bad in ("nomad_job.db@", "nomad_job.db@a@b"):
        with pytest.raises(ConfigError):
            parse_address(bad)


def _resource(address: str, *deps: str) -> ResourceState:
    return ResourceState(address=address, kind=address.split(".")[0], id="x",
                         dependencies=deps)


def test_the_state_is_split_by_cluster_and_plans_are_keyed_and_merged() -> None:
    state = State.new([_resource("nomad_job.db@east"),
                       _resource("nomad_job.web@east", "nomad_job.db@east"),
                       _resource("nomad_job.web@west")], lineage="L")
    east = state_in(state, "east")
    assert east is not None and east.lineage == "L"
    assert [(r.address, r.dependencies) for r in east.resources] == [
        ("nomad_job.db", ()), ("nomad_job.web", ("nomad_job.db",))]

    def plan(*addresses: str) -> Plan:
        return Plan(changes=tuple(ResourceChange(a, "nomad_job", a, Action.CREATE)
                                  for a in addresses),
                    apply_order=tuple((a,) for a in addresses))

    merged = merged_plan({"east": keyed_plan(plan("nomad_job.db", "nomad_job.web"), "east"),
                          "west": keyed_plan(plan("nomad_job.web"), "west")}, state, "L")
    assert [c.address for c in merged.changes] == [
        "nomad_job.db@east", "nomad_job.web@east", "nomad_job.web@west"]
    assert merged.apply_order == (("nomad_job.db@east", "nomad_job.web@west"),
                                  ("nomad_job.web@east",))
    assert merged.prior_state is state and merged.lineage == "L"


def test_targets_choose_their_clusters() -> None:
    assert targets_in(["nomad_job.db@east"], "east") == ("nomad_job.db",)
    assert targets_in(["nomad_job.db@east"], "west") is None
    assert targets_in(["nomad_job.db"], "west") == ("nomad_job.db",)
    assert targets_in([], "west") == ()


def test_a_refresh_only_plan_of_one_cluster_keeps_the_others_records() -> None:
    state = State.new([_resource("nomad_job.db@east"), _resource("nomad_job.db@west")],
                      lineage="L")
    east_next = State.new([_resource("nomad_job.db"), _resource("nomad_job.web")])
    merged = merged_plan({"east": keyed_plan(Plan(next_state=east_next), "east")}, state, "L")
    assert merged.next_state is not None
    assert merged.next_state.addresses == ("nomad_job.db@east", "nomad_job.db@west",
                                           "nomad_job.web@east")


def test_an_error_names_its_cluster_and_points_at_its_block() -> None:
    with pytest.raises(NcplanError) as caught, naming("west"):
        raise ProviderError("cannot reach Nomad at http://127.0.0.1:1",
                            hint="set NOMAD_ADDR to its address")
    assert str(caught.value) == 'cluster "west": cannot reach Nomad at http://127.0.0.1:1'
    assert caught.value.hint is not None
    assert 'cluster "west" takes its address from its block' in caught.value.hint


def test_a_state_or_target_outside_the_declared_clusters_is_refused() -> None:
    keyed = State.new([_resource("nomad_job.db@east")], lineage="L")
    plain = State.new([_resource("nomad_job.db")], lineage="L")
    check_clusters_known(keyed, ["nomad_job.db@east"], ["east"])
    check_clusters_known(plain, ["nomad_job.db"], [])
    refusals = [(keyed, [], [], 'the state records nomad_job.db@east, of cluster "east", '
                                "which is not declared"),
                (plain, [], ["east"], "the state records nomad_job.db without a cluster key: "
                                      "it was applied before cluster blocks were declared"),
                (None, ["nomad_job.db@west"], ["east"],
                 '--target nomad_job.db@west names cluster "west", which is not declared')]
    for state, targets, clusters, message in refusals:
        with pytest.raises(NcplanError) as caught:
            check_clusters_known(state, targets, clusters)
        assert str(caught.value) == message
