"""Property: rendering is deterministic, and the order services are declared in is irrelevant."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ncplan.config.model import Config, Intention, Service, Task, Upstream
from ncplan.resources.desired import lower_config
from ncplan.resources.payloads import payload_document
from ncplan.views.render import render_hcl, render_json

NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True),
                 min_size=1, max_size=6, unique=True)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    names = draw(NAMES)
    services = []
    for name in names:
        sidecar = draw(st.sampled_from(["builtin", "envoy"]))
        others = [n for n in names if n != name]
        dials = draw(st.lists(st.sampled_from(others), unique=True) if others else st.just([]))
        services.append(Service(
            name=name,
            task=Task(driver="raw_exec",
                      config={"command": f"/bin/{name}", "args": draw(st.lists(st.text()))},
                      env=draw(st.dictionaries(st.from_regex(r"[A-Z_]{1,5}", fullmatch=True),
                                               st.text(max_size=5), max_size=3))),
            port=draw(st.sampled_from([None, "tcp", "http"])),
            sidecar=sidecar,
            register=draw(st.booleans()),
            protocol=draw(st.sampled_from(["tcp", "http", "grpc"])),
            count=draw(st.integers(1, 5)),
            upstreams=tuple(Upstream(u, local_bind_port=8000 + i) for i, u in enumerate(dials)),
        ))
    pairs = draw(st.lists(st.tuples(st.sampled_from([*names, "*"]), st.sampled_from(names)),
                          unique=True, max_size=8))
    intentions = tuple(Intention(s, d, action=draw(st.sampled_from(["allow", "deny"])))
                       for s, d in pairs)
    return Config(".", services=tuple(services), intentions=intentions)


def _fingerprint(config: Config) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.address, json.dumps(r.body), r.depends_on) for r in lower_config(config)]


@settings(max_examples=150, deadline=None)
@given(configs())
def test_rendering_twice_gives_the_same_output(config: Config) -> None:
    assert _fingerprint(config) == _fingerprint(config)
    document = payload_document(lower_config(config))
    assert render_json(document) == render_json(payload_document(lower_config(config)))
    assert render_hcl(document) == render_hcl(payload_document(lower_config(config)))


@settings(max_examples=150, deadline=None)
@given(configs(), st.randoms(use_true_random=False))
def test_declaration_order_does_not_matter(config: Config, rng: object) -> None:
    import random
    assert isinstance(rng, random.Random)
    services = list(config.services)
    intentions = list(config.intentions)
    rng.shuffle(services)
    rng.shuffle(intentions)
    shuffled = Config(".", services=tuple(services), intentions=tuple(intentions))
    assert _fingerprint(shuffled) == _fingerprint(config)
    assert (render_json(payload_document(lower_config(shuffled)))
            == render_json(payload_document(lower_config(config))))
