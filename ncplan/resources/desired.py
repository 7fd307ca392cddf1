"""Lowering a Config to the desired resources: Nomad jobs and Consul config entries. Pure.

Each resource carries its address (``nomad_job.db``, ``consul_service_defaults.api``,
``consul_intention.web:db``, see :mod:`ncplan.address`), its body in the API's
own JSON shape, and the addresses it needs first (see :mod:`ncplan.resources.dependencies`).

Bodies:

* ``nomad_job`` from a ``service``: the Job object of ``PUT /v1/jobs`` (without the
  ``{"Job": ...}`` wrapper), see :mod:`ncplan.resources.nomad_job`.
* ``nomad_job`` from a raw ``job`` block: python-hcl2's view of the block's attributes;
  the Job object comes from Nomad's ``/v1/jobs/parse`` at plan time.
* ``consul_service_defaults``: the whole ``service-defaults`` config entry.
* ``consul_intention``: the one entry this intention contributes to the ``Sources`` of
  its destination's ``service-intentions`` config entry.
* ``consul_acl_token`` and ``nomad_variable`` (sidecar identities): see
  :mod:`ncplan.resources.sidecar_identity`.
* ``consul_config_entry``: an entry file's entry, as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ncplan.address import (
    Addressed,
    ResourceKind,
    config_entry_address,
    intention_address,
    intention_name,
    job_address,
    service_defaults_address,
    token_address,
    variable_address,
)
from ncplan.config.model import L7_PROTOCOLS, Config, Intention, Permission, RawJob, Service
from ncplan.diagnostics import SourceSpan
from ncplan.resources.dependencies import identity_names, resource_dependencies
from ncplan.resources.nomad_job import lower_service
from ncplan.resources.plain import plain
from ncplan.resources.sidecar_identity import token_body, variable_body
from ncplan.resources.traffic import config_entries

KIND_ORDER: tuple[ResourceKind, ...] = (
    "nomad_job", "consul_service_defaults", "consul_intention", "consul_acl_token",
    "nomad_variable", "consul_config_entry",
)


@dataclass(frozen=True)
class DesiredResource(Addressed):
    """One object ncplan wants to exist. ``body`` is never mutated after lowering."""

    address: str
    kind: ResourceKind
    name: str
    body: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()
    source: SourceSpan | None = None
    raw: bool = False  # a nomad_job from a raw ``job`` block: body is python-hcl2's view

    @property
    def job_name(self) -> str | None:
        """The Nomad job or Consul service this resource belongs to (an intention's DST)."""
        return self.typed_address.job_name


def service_defaults_body(service: Service) -> dict[str, Any]:
    return {"Kind": "service-defaults", "Name": service.name, "Protocol": service.protocol}


def _permission(permission: Permission) -> dict[str, Any]:
    body: dict[str, Any] = {"Action": permission.action}
    if permission.http is not None:
        http: dict[str, Any] = {}
        match = permission.http
        if match.path_exact is not None:
            http["PathExact"] = match.path_exact
        if match.path_prefix is not None:
            http["PathPrefix"] = match.path_prefix
        if match.path_regex is not None:
            http["PathRegex"] = match.path_regex
        if match.methods:
            http["Methods"] = list(match.methods)
        body["HTTP"] = http
    return body


def intention_body(intention: Intention) -> dict[str, Any]:
    """The ``Sources[]`` entry: an L4 ``Action`` or L7 ``Permissions``, never both."""
    body: dict[str, Any] = {"Name": intention.source}
    if intention.permissions:
        body["Permissions"] = [_permission(p) for p in intention.permissions]
    else:
        body["Action"] = intention.action or "allow"
    if intention.description:
        body["Description"] = intention.description
    return body


def raw_job_body(job: RawJob) -> dict[str, Any]:
    result = plain(job.body)
    assert isinstance(result, dict)
    return result


def lower_config(config: Config,
                 sidecar_identity: bool | None = None) -> tuple[DesiredResource, ...]:
    """Every desired resource, sorted by kind (jobs, service-defaults, intentions, tokens,
    variables), then name. ``sidecar_identity`` is the resolved switch (see
    :func:`~ncplan.resources.sidecar_identity.resolve_sidecar_identity`); ``None`` takes
    ``defaults.sidecar_identity``, unset meaning off."""
    identity = bool(config.defaults.sidecar_identity if sidecar_identity is None
                    else sidecar_identity)
    needs = resource_dependencies(config, identity)
    identities = set(identity_names(config, identity))
    resources: list[DesiredResource] = []
    for service in config.services:
        address = job_address(service.name)
        resources.append(DesiredResource(address, "nomad_job", service.name,
                                         lower_service(service, service.name in identities),
                                         needs.get(address, ()), service.span))
        if service.name in identities:
            resources += _identity_resources(service, needs)
        if service.protocol in L7_PROTOCOLS:
            address = service_defaults_address(service.name)
            resources.append(DesiredResource(address, "consul_service_defaults", service.name,
                                             service_defaults_body(service),
                                             needs.get(address, ()), service.span))
    for job in config.jobs:
        address = job_address(job.name)
        resources.append(DesiredResource(address, "nomad_job", job.name, raw_job_body(job),
                                         needs.get(address, ()), job.span, raw=True))
    for intention in config.intentions:
        address = intention_address(intention.source, intention.destination)
        resources.append(DesiredResource(address, "consul_intention",
                                         intention_name(intention.source,
                                                        intention.destination),
                                         intention_body(intention), needs.get(address, ()),
                                         intention.span))
    for entry in config_entries(config):
        address = config_entry_address(entry.kind, entry.name)
        resources.append(DesiredResource(address, "consul_config_entry",
                                         f"{entry.kind}.{entry.name}", plain(entry.body),
                                         needs.get(address, ()), entry.span))
    return tuple(sorted(resources, key=lambda r: (KIND_ORDER.index(r.kind), r.name)))


def _identity_resources(service: Service,
                        needs: Mapping[str, tuple[str, ...]]) -> list[DesiredResource]:
    token, variable = token_address(service.name), variable_address(service.name)
    return [DesiredResource(token, "consul_acl_token", service.name, token_body(service.name),
                            needs.get(token, ()), service.span),
            DesiredResource(variable, "nomad_variable", service.name,
                            variable_body(service.name), needs.get(variable, ()),
                            service.span)]


def select_resources(resources: Iterable[DesiredResource],
                     name: str) -> tuple[DesiredResource, ...]:
    """What belongs to job/service NAME: its job, its service-defaults, intentions toward it."""
    return tuple(r for r in resources if r.job_name == name)


def consul_config_entries(resources: Sequence[DesiredResource]) -> list[dict[str, Any]]:
    """The Consul config entries, as ``PUT /v1/config`` takes them.

    Intentions are grouped into one ``service-intentions`` entry per destination holding
    only the sources ncplan manages (the live entry keeps every other source).
    """
    entries: list[dict[str, Any]] = [
        plain(r.body) for r in resources if r.kind == "consul_service_defaults"
    ]
    by_destination: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        if resource.kind == "consul_intention":
            destination = resource.typed_address.destination
            by_destination.setdefault(destination, []).append(plain(resource.body))
    for destination in sorted(by_destination):
        sources = sorted(by_destination[destination], key=lambda s: str(s["Name"]))
        entries.append({"Kind": "service-intentions", "Name": destination, "Sources": sources})
    return entries
