"""Which resource must exist before which, read from a Config. Pure.

The rules of LANGUAGE.md "Apply order", for an upstream edge ``web -> db``::

    nomad_job.db -> consul_service_defaults.db -> consul_intention.web:db -> nomad_job.web

Precisely, "A needs B" (B is applied first) when:

* ``nomad_job.S`` needs ``nomad_job.U``, ``consul_service_defaults.U`` and
  ``consul_intention.S:U`` for each upstream U of S that the configuration declares;
* ``nomad_job.S`` needs ``nomad_job.D`` for each ``depends_on`` D;
* ``consul_service_defaults.N`` needs ``nomad_job.N``;
* ``consul_intention.S:D`` needs ``nomad_job.D`` and ``consul_service_defaults.D``,
  except a deny (``action = "deny"``): it guards D, so ``nomad_job.D`` needs it instead
  (written before D starts, whether D's rollout then works or not; destroyed after D
  stops); a deny toward ``*`` guards every job;
* config entry files: the edges of :func:`~ncplan.resources.entry_order.entry_dependencies`
  (protocol before chain entries, resolver subsets before what names them, a service's
  chain entries before the jobs that dial it);
* with sidecar identities, for each builtin service N: ``nomad_variable.N`` needs
  ``consul_acl_token.N`` (it holds its SecretID) and ``nomad_job.N`` needs both (its
  proxy reads the variable at start).

An intention is placed between its destination's job and its source's job only when the
source dials the destination (an upstream): an intention declared against the direction
of the calls therefore never makes a cycle. Names not in the configuration (external
upstreams, ``*``, intentions toward services declared elsewhere) give no edge.
"""

from __future__ import annotations

from collections.abc import Mapping

from ncplan.address import (
    intention_address,
    job_address,
    service_defaults_address,
    token_address,
    variable_address,
)
from ncplan.config.model import L7_PROTOCOLS, Config
from ncplan.resources.entry_order import entry_dependencies
from ncplan.resources.traffic import config_entries


def upstreams_of(config: Config) -> dict[str, tuple[str, ...]]:
    """Job name -> the names it dials (every declared upstream, external ones included)."""
    edges: dict[str, tuple[str, ...]] = {}
    for service in config.services:
        edges[service.name] = tuple(u.name for u in service.upstreams)
    for job in config.jobs:
        edges[job.name] = tuple(job.upstreams)
    return edges


def depends_on_of(config: Config) -> dict[str, tuple[str, ...]]:
    """Job name -> its explicit ``depends_on`` names."""
    edges: dict[str, tuple[str, ...]] = {}
    for service in config.services:
        edges[service.name] = tuple(service.depends_on)
    for job in config.jobs:
        edges[job.name] = tuple(job.depends_on)
    return edges


def service_defaults_names(config: Config) -> tuple[str, ...]:
    """Services whose protocol needs a ``service-defaults`` entry."""
    return tuple(s.name for s in config.services if s.protocol in L7_PROTOCOLS)


def identity_names(config: Config, identity: bool) -> tuple[str, ...]:
    """Services whose builtin proxy gets a sidecar identity (none when ``identity`` is off)."""
    return tuple(s.name for s in config.services if identity and s.sidecar == "builtin")


def resource_dependencies(config: Config,
                          identity: bool = False) -> Mapping[str, tuple[str, ...]]:
    """Address -> the addresses it needs first, for every resource the config declares
    (``identity``: sidecar identities are on)."""
    jobs = set(config.job_names)
    defaults = set(service_defaults_names(config))
    intentions = {(i.source, i.destination) for i in config.intentions}
    denies = {(i.source, i.destination) for i in config.intentions if i.action == "deny"}
    needs: dict[str, list[str]] = {}

    def add(address: str, *required: str) -> None:
        bucket = needs.setdefault(address, [])
        bucket.extend(r for r in required if r not in bucket and r != address)

    for name in sorted(jobs):
        add(job_address(name))
    for name in identity_names(config, identity):
        add(token_address(name))
        add(variable_address(name), token_address(name))
        add(job_address(name), token_address(name), variable_address(name))
    for name in sorted(defaults):
        add(service_defaults_address(name), job_address(name))
    for source, destination in sorted(intentions):
        address = intention_address(source, destination)
        add(address)
        if (source, destination) in denies:
            for guarded in sorted(jobs) if destination == "*" else [destination]:
                if guarded in jobs:
                    add(job_address(guarded), address)
            continue
        if destination in jobs:
            add(address, job_address(destination))
        if destination in defaults:
            add(address, service_defaults_address(destination))

    dials, waits = upstreams_of(config), depends_on_of(config)
    for name in sorted(jobs):
        for upstream in dials.get(name, ()):
            if upstream in jobs:
                add(job_address(name), job_address(upstream))
            if upstream in defaults:
                add(job_address(name), service_defaults_address(upstream))
            if (name, upstream) in intentions:
                add(job_address(name), intention_address(name, upstream))
        for required in waits.get(name, ()):
            if required in jobs:
                add(job_address(name), job_address(required))
    entries = config_entries(config)
    if entries:
        for address, entry_needs in entry_dependencies(entries, dials, defaults).items():
            add(address, *entry_needs)
    return {address: tuple(required) for address, required in needs.items()}
