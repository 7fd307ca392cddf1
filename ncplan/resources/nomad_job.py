"""Lowering a ``service`` block to the Nomad Job object, as the API takes it in ``PUT /v1/jobs``.

Pure. The ``{"Job": ...}`` wrapper is added only when sending. Two sidecar flavours:

* ``builtin`` (the seed guide's pattern, Nomad 0.8.3+ / Consul 1.2+): the app task plus a
  raw_exec ``connect-proxy`` task running ``consul connect proxy``; every port is a dynamic
  port of the group network (host mode).
* ``envoy`` (Nomad 0.10+ native Connect): bridge networking and a group service with
  ``connect { sidecar_service { proxy { upstreams ... } } }``; Nomad injects Envoy itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ncplan.config.model import CONNECT_PORT_LABEL, Service, Task, upstream_port_label
from ncplan.resources.plain import plain
from ncplan.resources.sidecar_identity import proxy_template
from ncplan.resources.traffic import track_meta

PROXY_TASK = "connect-proxy"
CONNECT_PORT = CONNECT_PORT_LABEL
PROXY_CPU = 100
PROXY_MEMORY_MB = 128
# Port an envoy service without a listener advertises to Consul: Connect needs a port on
# the group service, nothing listens on it (9 is the "discard" port).
NO_LISTENER_PORT = "9"


def builtin_proxy_args(service: Service) -> list[str]:
    """``consul connect proxy`` arguments, exactly the seed guide's pattern."""
    args = ["connect", "proxy", "-service", service.name]
    if service.port is not None:
        args += [
            "-service-addr", f"127.0.0.1:${{NOMAD_PORT_{service.port}}}",
            "-listen", f":${{NOMAD_PORT_{CONNECT_PORT}}}",
            "-register",
        ]
    for upstream in service.upstreams:
        label = upstream_port_label(upstream.name)
        args += ["-upstream", f"{upstream.name}:${{NOMAD_PORT_{label}}}"]
    return args


def lower_service(service: Service, identity: bool = False) -> dict[str, Any]:
    """The Job object for one service: one group named like the service. ``identity``:
    the builtin proxy reads its Consul token from the service's Nomad Variable (see
    :mod:`ncplan.resources.sidecar_identity`)."""
    group = (_envoy_group(service) if service.sidecar == "envoy"
             else _builtin_group(service, identity))
    job: dict[str, Any] = {
        "ID": service.name,
        "Name": service.name,
        "Type": "service",
        "Datacenters": list(service.datacenters),
    }
    if service.meta:
        job["Meta"] = plain(service.meta)
    if service.canary is not None:
        group = with_canary_tracks(group, service.canary.count)
    job["TaskGroups"] = [group]
    return job


def with_canary_tracks(group: Mapping[str, Any], count: int) -> dict[str, Any]:
    """A group whose deployments start ``count`` canaries, promoted by hand, and whose
    services tell a canary instance from a stable one by their ``ncplan_track`` meta
    (``meta`` stable, ``canary_meta`` canary; see :mod:`ncplan.resources.traffic`)."""
    services = [{**s, "Meta": track_meta(canary=False), "CanaryMeta": track_meta(canary=True)}
                for s in group.get("Services") or ()]
    found = {**group, "Update": {"Canary": count, "AutoPromote": False}}
    if services:
        found["Services"] = services
    return found


def _app_task(service: Service, task: Task) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": service.name,
        "Driver": task.driver,
        "Config": plain(task.config),
    }
    if task.env:
        body["Env"] = plain(task.env)
    body["Resources"] = {"CPU": task.resources.cpu, "MemoryMB": task.resources.memory}
    return body


def _dynamic_ports(labels: Sequence[str], to: int | None = None) -> list[dict[str, Any]]:
    if to is None:
        return [{"Label": label} for label in labels]
    return [{"Label": label, "To": to} for label in labels]


def proxy_env(service: Service) -> dict[str, str]:
    """The builtin proxy's agent address and, for an https agent, its CA file."""
    env = {"CONSUL_HTTP_ADDR": service.consul_agent}
    if service.consul_agent_cacert:
        env["CONSUL_CACERT"] = service.consul_agent_cacert
    return env


def _builtin_group(service: Service, identity: bool) -> dict[str, Any]:
    labels: list[str] = []
    if service.port is not None:
        labels += [service.port, CONNECT_PORT]
    labels += [upstream_port_label(u.name) for u in service.upstreams]

    app = _app_task(service, service.task)
    if service.register and service.port is not None:
        app["Services"] = [{"Name": service.name, "PortLabel": service.port,
                            "Provider": "consul"}]
    proxy: dict[str, Any] = {
        "Name": PROXY_TASK,
        "Driver": "raw_exec",
        "Config": {"command": service.consul_binary, "args": builtin_proxy_args(service)},
        "Env": proxy_env(service),
        "Resources": {"CPU": PROXY_CPU, "MemoryMB": PROXY_MEMORY_MB},
    }
    if identity:
        proxy["Templates"] = [proxy_template(service.name)]
    return {
        "Name": service.name,
        "Count": service.count,
        "Networks": [{"Mode": "host", "DynamicPorts": _dynamic_ports(labels)}],
        "Tasks": [app, proxy],
    }


def _envoy_group(service: Service) -> dict[str, Any]:
    ports = [] if service.port is None else _dynamic_ports([service.port], to=-1)
    sidecar: dict[str, Any] = {}
    if service.upstreams:
        sidecar["Proxy"] = {"Upstreams": [
            {"DestinationName": u.name, "LocalBindPort": u.local_bind_port}
            for u in service.upstreams
        ]}
    group_service = {
        "Name": service.name,
        "PortLabel": service.port if service.port is not None else NO_LISTENER_PORT,
        "Provider": "consul",
        "Connect": {"SidecarService": sidecar},
    }
    return {
        "Name": service.name,
        "Count": service.count,
        "Networks": [{"Mode": "bridge", "DynamicPorts": ports}],
        "Services": [group_service],
        "Tasks": [_app_task(service, service.task)],
    }
