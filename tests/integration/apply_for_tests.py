"""A stand-in for ``ncplan apply`` in the plan tests: ``ncplan apply`` replaces it.

Until apply exists (issue 9), the tests that need "everything written" call
:func:`apply_for_tests`: it writes every desired resource through the providers, in the
resource graph's apply order, and records the state as apply will: per resource,
``attributes`` = the body written (a raw job's Job JSON from ``/v1/jobs/parse``),
``observed_index`` = the live index after the write (Nomad's JobModifyIndex, the entry's
ModifyIndex), ``dependencies`` = the addresses it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ncplan.config import load_config
from ncplan.config.model import Config
from ncplan.providers.clients import Providers
from ncplan.resources.address import parse_address
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.resources.graph import ResourceGraph
from ncplan.state import open_backend
from ncplan.state.model import ResourceState, State


def _write(providers: Providers, config: Config,
           resource: DesiredResource) -> tuple[Mapping[str, Any], int]:
    """Write one resource; the body written and the live index after the write."""
    if resource.kind == "nomad_job":
        raw = config.job(resource.name) if resource.raw else None
        body = providers.jobs.parse(raw.source) if raw is not None else resource.body
        live = providers.jobs.read(resource.name)
        return body, providers.jobs.register(body, live.modify_index if live else 0)
    if resource.kind == "consul_service_defaults":
        existing = providers.service_defaults.read(resource.name)
        index = existing.modify_index if existing else 0
        return resource.body, providers.service_defaults.write(resource.name, resource.body,
                                                               index)
    destination = parse_address(resource.address).destination
    entry = providers.intentions.read(destination)
    index = entry.modify_index if entry else 0
    return resource.body, providers.intentions.upsert_source(destination, resource.body,
                                                             index)


def apply_for_tests(directory: Path, env: Mapping[str, str]) -> State:
    """Write the configuration in ``directory`` to the agents ``env`` names; persist and
    return the state."""
    config = load_config(directory, env=env, use_cache=False).config
    desired = {r.address: r for r in lower_config(config)}
    providers = Providers.from_config(config, env)
    recorded = []
    for batch in ResourceGraph.of(desired.values()).apply_order():
        for address in batch:
            resource = desired[address]
            body, index = _write(providers, config, resource)
            recorded.append(ResourceState(address=address, kind=resource.kind,
                                          id=resource.name, attributes=body,
                                          observed_index=index,
                                          dependencies=resource.depends_on))
    manager = open_backend(config.backend, directory, config.consul)
    manager.write(manager.read_or_new().with_resources(recorded))
    stored = manager.persist()
    assert stored is not None
    return stored
