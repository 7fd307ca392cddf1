"""The resource graph: edges of LANGUAGE.md "Apply order", batches, cycles."""

from __future__ import annotations

import pytest

from ncplan.config.model import Config, Intention, RawJob, Service, Task, Upstream
from ncplan.errors import ConfigError
from ncplan.resources.desired import lower_config
from ncplan.resources.graph import ResourceGraph, ServiceGraph, apply_order, destroy_order

TASK = Task(driver="raw_exec", config={"command": "/bin/true"})


def svc(name: str, *upstreams: str, protocol: str = "tcp", depends_on: tuple[str, ...] = (),
        external: tuple[str, ...] = ()) -> Service:
    ups = tuple(Upstream(u) for u in upstreams) + tuple(Upstream(u, external=True)
                                                        for u in external)
    return Service(name=name, task=TASK, port="tcp", protocol=protocol,
                   upstreams=ups, depends_on=depends_on)


def order(config: Config) -> list[list[str]]:
    return apply_order(lower_config(config))


def test_seed_guide_order() -> None:
    config = Config(".", services=(svc("web", "db"), svc("db")),
                    intentions=(Intention("web", "db"),))
    assert order(config) == [["nomad_job.db"], ["consul_intention.web:db"], ["nomad_job.web"]]
    assert destroy_order(lower_config(config)) == [
        ["nomad_job.web"], ["consul_intention.web:db"], ["nomad_job.db"]]


def test_full_chain_with_service_defaults() -> None:
    config = Config(".", services=(svc("web", "db"), svc("db", protocol="http")),
                    intentions=(Intention("web", "db"),))
    assert order(config) == [["nomad_job.db"], ["consul_service_defaults.db"],
                             ["consul_intention.web:db"], ["nomad_job.web"]]


def test_independent_resources_share_a_batch() -> None:
    config = Config(".", services=(svc("a"), svc("b"), svc("c", "a", "b")))
    assert order(config) == [["nomad_job.a", "nomad_job.b"], ["nomad_job.c"]]


def test_depends_on_orders_jobs() -> None:
    config = Config(".", services=(svc("a", depends_on=("b",)), svc("b")))
    assert order(config) == [["nomad_job.b"], ["nomad_job.a"]]


def test_raw_job_upstreams_give_edges() -> None:
    config = Config(".", jobs=(RawJob("web", source="", upstreams=("db",)),
                               RawJob("db", source="")),
                    intentions=(Intention("web", "db"),))
    assert order(config) == [["nomad_job.db"], ["consul_intention.web:db"], ["nomad_job.web"]]


def test_names_outside_the_config_give_no_edges() -> None:
    config = Config(".", services=(svc("web", external=("billing",)),),
                    intentions=(Intention("web", "billing"), Intention("*", "web"),
                                Intention("legacy", "web")))
    resources = lower_config(config)
    # web dials billing (external): its job still waits for the intention web->billing
    assert ResourceGraph.of(resources).edges == (
        ("consul_intention.ALL:web", "nomad_job.web"),
        ("consul_intention.legacy:web", "nomad_job.web"),
        ("nomad_job.web", "consul_intention.web:billing"),
    )
    assert apply_order(resources) == [
        ["consul_intention.web:billing"],
        ["nomad_job.web"],
        ["consul_intention.ALL:web", "consul_intention.legacy:web"],
    ]


def test_intention_against_the_call_direction_makes_no_cycle() -> None:
    config = Config(".", services=(svc("web", "db"), svc("db")),
                    intentions=(Intention("web", "db"), Intention("db", "web")))
    assert order(config) == [["nomad_job.db"], ["consul_intention.web:db"], ["nomad_job.web"],
                             ["consul_intention.db:web"]]


def test_cycle_is_a_config_error_naming_the_cycle() -> None:
    config = Config(".", services=(svc("alpha", "beta"), svc("beta", "alpha")))
    with pytest.raises(ConfigError) as info:
        order(config)
    (diag,) = info.value.diagnostics
    assert diag.summary in ("dependency cycle: alpha -> beta -> alpha",
                            "dependency cycle: beta -> alpha -> beta")
    assert "nomad_job.alpha" in diag.detail and "nomad_job.beta" in diag.detail


def test_cycle_through_intentions_names_the_jobs() -> None:
    config = Config(".", services=(svc("alpha", "beta"), svc("beta", "alpha")),
                    intentions=(Intention("alpha", "beta"), Intention("beta", "alpha")))
    with pytest.raises(ConfigError) as info:
        order(config)
    summary = info.value.diagnostics[0].summary
    assert summary in ("dependency cycle: alpha -> beta -> alpha",
                       "dependency cycle: beta -> alpha -> beta")


def test_service_graph_keeps_upstreams_for_display() -> None:
    config = Config(".", services=(svc("web", "db", external=("billing",)), svc("db")))
    graph = ServiceGraph.of(config)
    assert graph.names == ("db", "web")
    assert graph.upstreams == {"db": (), "web": ("db", "billing")}
    assert graph.external == frozenset({"billing"})


def test_a_deny_is_written_before_the_service_it_guards_and_destroyed_after_it() -> None:
    """``* -> count-api`` deny: count-api's job needs it (it is not written after the job,
    so a failed rollout does not skip it), and destroy removes it after the job."""
    config = Config(".", services=(svc("count-api", protocol="http"),),
                    intentions=(Intention("*", "count-api", action="deny"),
                                Intention("web", "count-api", action="deny")))
    assert order(config) == [
        ["consul_intention.ALL:count-api", "consul_intention.web:count-api"],
        ["nomad_job.count-api"], ["consul_service_defaults.count-api"]]
    assert destroy_order(lower_config(config))[-1] == [
        "consul_intention.ALL:count-api", "consul_intention.web:count-api"]


def test_a_deny_toward_every_service_comes_before_every_job() -> None:
    config = Config(".", services=(svc("web", "db"), svc("db")),
                    intentions=(Intention("*", "*", action="deny"), Intention("web", "db")))
    assert order(config) == [["consul_intention.ALL:ALL"], ["nomad_job.db"],
                             ["consul_intention.web:db"], ["nomad_job.web"]]
    assert ResourceGraph.of(lower_config(config)).needs["nomad_job.db"] == (
        "consul_intention.ALL:ALL",)


def test_a_deny_between_a_caller_and_its_upstream_makes_no_cycle() -> None:
    config = Config(".", services=(svc("web", "db"), svc("db")),
                    intentions=(Intention("web", "db", action="deny"),))
    assert order(config) == [["consul_intention.web:db"], ["nomad_job.db"], ["nomad_job.web"]]
