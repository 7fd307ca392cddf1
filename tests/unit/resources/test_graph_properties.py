"""Property: on random acyclic service graphs, the apply order respects every edge."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ncplan.config.model import Config, Intention, Service, Task, Upstream
from ncplan.resources.desired import lower_config
from ncplan.resources.graph import ResourceGraph

TASK = Task(driver="raw_exec")


@st.composite
def dags(draw: st.DrawFn) -> Config:
    """Services s0..sN in a hidden topological order: a service only dials earlier ones."""
    count = draw(st.integers(1, 12))
    names = draw(st.permutations([f"svc-{i}" for i in range(count)]))
    services = []
    intentions = []
    for index, name in enumerate(names):
        earlier = names[:index]
        dials = draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []
        waits = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
        services.append(Service(
            name=name, task=TASK, port="tcp",
            protocol=draw(st.sampled_from(["tcp", "http"])),
            upstreams=tuple(Upstream(u) for u in dials),
            depends_on=tuple(waits),
        ))
        for target in dials:
            if draw(st.booleans()):
                intentions.append(Intention(name, target))
            if draw(st.integers(0, 4)) == 0:  # against the call direction
                intentions.append(Intention(target, name))
    services = draw(st.permutations(services))
    return Config(".", services=tuple(services), intentions=tuple(dict.fromkeys(intentions)))


@settings(max_examples=200, deadline=None)
@given(dags())
def test_apply_order_respects_every_edge(config: Config) -> None:
    resources = lower_config(config)
    graph = ResourceGraph.of(resources)
    batches = graph.apply_order()
    position = {a: i for i, batch in enumerate(batches) for a in batch}
    flat = [a for batch in batches for a in batch]
    assert sorted(flat) == sorted(r.address for r in resources)  # each exactly once
    for resource in resources:
        for required in resource.depends_on:
            assert position[required] < position[resource.address]

    intentions = {(i.source, i.destination) for i in config.intentions}
    for service in config.services:
        for upstream in service.upstreams:
            chain = [f"nomad_job.{upstream.name}"]
            if config.service(upstream.name).protocol == "http":  # type: ignore[union-attr]
                chain.append(f"consul_service_defaults.{upstream.name}")
            if (service.name, upstream.name) in intentions:
                chain.append(f"consul_intention.{service.name}:{upstream.name}")
            chain.append(f"nomad_job.{service.name}")
            steps = [position[a] for a in chain]
            assert steps == sorted(steps) and len(set(steps)) == len(steps), chain
        for required in service.depends_on:
            assert position[f"nomad_job.{required}"] < position[f"nomad_job.{service.name}"]

    destroy = graph.destroy_order()
    assert destroy == list(reversed(batches))
