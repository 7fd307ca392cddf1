"""From checked blocks to the typed model: one builder per block type of LANGUAGE.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from ncplan.config import schema
from ncplan.config.body import Body, read_body
from ncplan.config.collector import Sink, Where
from ncplan.config.entry_model import CanarySpec, PathRoute
from ncplan.config.interpolate import Expander, upstream_address
from ncplan.config.model import (
    DEFAULT_STATE_PATH,
    L7_PROTOCOLS,
    ApplyBehaviour,
    BackendConfig,
    ConsulSettings,
    Defaults,
    HttpMatch,
    Intention,
    IntentionAction,
    Lifecycle,
    NomadSettings,
    Permission,
    RawJob,
    Resources,
    Service,
    SidecarKind,
    Task,
    Upstream,
)
from ncplan.config.syntax import RawBlock

SIDECARS = ("builtin", "envoy")
PROTOCOLS = ("tcp", "http", "http2", "grpc")
ACTIONS = ("allow", "deny")
BACKENDS = ("local", "consul")


@dataclass
class Decoded:
    """The typed objects of a run, each with the body it came from (for locations)."""

    services: list[tuple[Service, Body]] = field(default_factory=list)
    jobs: list[tuple[RawJob, Where]] = field(default_factory=list)
    intentions: list[tuple[Intention, Body]] = field(default_factory=list)


def _one_of(body: Body, name: str, allowed: tuple[str, ...], default: str, sink: Sink,
            what: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if value not in allowed:
        sink.error(f'invalid {what} "{value}"', body.place(name),
                   f"{what} must be one of: " + ", ".join(f'"{a}"' for a in allowed))
        return default
    return str(value)


def nomad(block: RawBlock, file: str, sink: Sink, expander: Expander) -> NomadSettings:
    body = read_body(block, schema.NOMAD, file, sink, expander)
    return NomadSettings(address=body.get("address"), region=body.get("region"),
                         namespace=body.get("namespace"), span=sink.span(body.where))


def consul(block: RawBlock, file: str, sink: Sink, expander: Expander) -> ConsulSettings:
    body = read_body(block, schema.CONSUL, file, sink, expander)
    return ConsulSettings(address=body.get("address"), datacenter=body.get("datacenter"),
                          span=sink.span(body.where))


def backend(block: RawBlock, file: str, sink: Sink, expander: Expander) -> BackendConfig:
    body = read_body(block, schema.BACKEND, file, sink, expander)
    kind = block.labels[0]
    if kind not in BACKENDS:
        sink.error(f'unknown backend "{kind}"', Where(file, block.label_pos[0]),
                   'use backend "local" or backend "consul"')
        kind = "local"
    return BackendConfig(kind=cast(Any, kind), path=body.get("path", DEFAULT_STATE_PATH),
                         span=sink.span(body.where))


def apply_behaviour(block: RawBlock, file: str, sink: Sink,
                    expander: Expander) -> ApplyBehaviour:
    body = read_body(block, schema.APPLY, file, sink, expander)
    return ApplyBehaviour(rollback_on_failure=bool(body.get("rollback_on_failure", False)),
                          span=sink.span(body.where))


def defaults(block: RawBlock, file: str, sink: Sink, expander: Expander) -> Defaults:
    body = read_body(block, schema.DEFAULTS, file, sink, expander)
    base = Defaults()
    return Defaults(
        datacenters=tuple(body.get("datacenters", base.datacenters)),
        sidecar=cast(SidecarKind, _one_of(body, "sidecar", SIDECARS, base.sidecar, sink,
                                          "sidecar")),
        consul_binary=body.get("consul_binary", base.consul_binary),
        consul_agent=body.get("consul_agent", base.consul_agent),
        consul_agent_cacert=body.get("consul_agent_cacert"),
        sidecar_identity=body.get("sidecar_identity"),
        span=sink.span(body.where),
    )


def _sidecar_of(block: RawBlock, base: Defaults, expander: Expander) -> str:
    """The sidecar kind, read early: ``${upstream.X}`` expands differently per kind."""
    for attribute in block.attributes:
        if attribute.name == "sidecar":
            quiet = Expander(Sink(), expander.variables)
            value = quiet.expand(attribute.value, Where("", attribute.pos))
            if value in SIDECARS:
                return str(value)
    return base.sidecar


def service(block: RawBlock, file: str, sink: Sink, expander: Expander,
            base: Defaults) -> tuple[Service, Body]:
    name = block.labels[0]
    sidecar = _sidecar_of(block, base, expander)
    names = [b.labels[0] for b in block.blocks if b.type == "upstream" and len(b.labels) == 1]
    scoped = expander.with_upstreams({n: upstream_address(n, sidecar) for n in names}, name)
    body = read_body(block, schema.SERVICE, file, sink, scoped)
    count = body.get("count", 1)
    if count < 0:
        sink.error(f'count must be 0 or more in service "{name}", got {count}',
                   body.place("count"))
        count = 0
    tasks = body.blocks.get("task", [])
    task = _task(tasks[0], file, sink, scoped) if tasks else Task(driver="")
    upstreams: list[Upstream] = []
    for raw in body.blocks.get("upstream", []):
        upstream = _upstream(raw, file, sink, scoped)
        if any(u.name == upstream.name for u in upstreams):
            sink.error(f'duplicate upstream "{upstream.name}" in service "{name}"',
                       Where(file, raw.pos), "declare each upstream once")
            continue
        upstreams.append(upstream)
    lifecycles = body.blocks.get("lifecycle", [])
    lifecycle = Lifecycle()
    if lifecycles:
        life = read_body(lifecycles[0], schema.LIFECYCLE, file, sink, scoped)
        lifecycle = Lifecycle(prevent_destroy=life.get("prevent_destroy", False),
                              span=sink.span(life.where))
    canary = _canary(body, name, file, sink, scoped)
    routes = tuple(_route(raw, file, sink, scoped) for raw in body.blocks.get("route", []))
    protocol = _one_of(body, "protocol", PROTOCOLS, "tcp", sink, "protocol")
    for place, what in ((canary.span if canary else None, "canary"),
                        (routes[0].span if routes else None, "route")):
        if place is not None and protocol not in L7_PROTOCOLS:
            sink.error(f'discovery chain "{name}" uses a protocol "{protocol}" that does not '
                       "permit advanced routing or splitting behavior", place,
                       f'a {what} block splits or routes HTTP: set protocol = "http" on '
                       f'service "{name}"')
    built = Service(
        name=name,
        task=task,
        datacenters=tuple(body.get("datacenters", base.datacenters)),
        count=count,
        port=body.get("port"),
        sidecar=cast(SidecarKind, _one_of(body, "sidecar", SIDECARS, base.sidecar, sink,
                                          "sidecar")),
        register=body.get("register", True),
        protocol=protocol,
        depends_on=tuple(body.get("depends_on", ())),
        meta=body.get("meta", {}),
        upstreams=tuple(upstreams),
        canary=canary,
        routes=routes,
        lifecycle=lifecycle,
        consul_binary=base.consul_binary,
        consul_agent=base.consul_agent,
        consul_agent_cacert=base.consul_agent_cacert,
        span=sink.span(body.where),
        clusters=_clusters(body),
    )
    return built, body


def _clusters(body: Body) -> tuple[str, ...] | None:
    """The ``clusters`` attribute; None when absent (the default applies)."""
    found = body.get("clusters")
    return None if found is None else tuple(found)


def _task(block: RawBlock, file: str, sink: Sink, expander: Expander) -> Task:
    body = read_body(block, schema.TASK, file, sink, expander)
    resources = Resources()
    found = body.blocks.get("resources", [])
    if found:
        res = read_body(found[0], schema.RESOURCES, file, sink, expander)
        resources = Resources(cpu=res.get("cpu", resources.cpu),
                              memory=res.get("memory", resources.memory))
    return Task(driver=body.get("driver", ""), config=body.get("config", {}),
                env=body.get("env", {}), resources=resources, span=sink.span(body.where))


def _canary(body: Body, name: str, file: str, sink: Sink,
            expander: Expander) -> CanarySpec | None:
    found = body.blocks.get("canary", [])
    if not found:
        return None
    canary = read_body(found[0], schema.CANARY, file, sink, expander)
    weight, count = canary.get("weight", 0), canary.get("count", 1)
    if not 0 <= weight <= 100:
        sink.error(f'canary weight must be 0 to 100 in service "{name}", got {weight}',
                   canary.place("weight"), "the percent of the traffic the canary takes")
    if count < 1:
        sink.error(f'canary count must be 1 or more in service "{name}", got {count}',
                   canary.place("count"))
    return CanarySpec(weight=weight, count=max(count, 1), span=sink.span(canary.where))


def _route(block: RawBlock, file: str, sink: Sink, expander: Expander) -> PathRoute:
    body = read_body(block, schema.ROUTE, file, sink, expander)
    return PathRoute(path_prefix=block.labels[0], service=body.get("service", ""),
                     span=sink.span(body.where))


def _upstream(block: RawBlock, file: str, sink: Sink, expander: Expander) -> Upstream:
    body = read_body(block, schema.UPSTREAM, file, sink, expander)
    return Upstream(name=block.labels[0], local_bind_port=body.get("local_bind_port"),
                    external=body.get("external", False), span=sink.span(body.where))


def intention(block: RawBlock, file: str, sink: Sink,
              expander: Expander) -> tuple[Intention, Body]:
    source, destination = block.labels
    body = read_body(block, schema.INTENTION, file, sink, expander)
    permissions = tuple(_permission(raw, file, sink, expander)
                        for raw in body.blocks.get("permission", []))
    action: str | None = _one_of(body, "action", ACTIONS, "allow", sink, "intention action")
    if "action" in body.places and permissions:
        sink.error(f'intention "{source}" -> "{destination}" has both an action and '
                   "permissions", body.place("action"),
                   "use action for an L4 rule or permission blocks for L7 rules, not both")
    elif permissions:
        action = None
    elif "action" not in body.places:
        sink.error(f'intention "{source}" -> "{destination}" needs an action or permissions',
                   body.where, 'add action = "allow" or "deny", or permission blocks')
    built = Intention(source=source, destination=destination,
                      action=cast(IntentionAction | None, action),
                      description=body.get("description", ""), permissions=permissions,
                      span=sink.span(body.where), clusters=_clusters(body))
    return built, body


def _permission(block: RawBlock, file: str, sink: Sink, expander: Expander) -> Permission:
    body = read_body(block, schema.PERMISSION, file, sink, expander)
    action = _one_of(body, "action", ACTIONS, "allow", sink, "permission action")
    http: HttpMatch | None = None
    found = body.blocks.get("http", [])
    if found:
        match = read_body(found[0], schema.HTTP, file, sink, expander)
        paths = [p for p in ("path_exact", "path_prefix", "path_regex") if p in match.values]
        if len(paths) > 1:
            sink.error("an http block takes at most one of path_exact, path_prefix, "
                       "path_regex", match.place(paths[1]))
        http = HttpMatch(path_exact=match.get("path_exact"),
                         path_prefix=match.get("path_prefix"),
                         path_regex=match.get("path_regex"),
                         methods=tuple(match.get("methods", ())))
    else:
        sink.error("permission needs an http block", body.where,
                   'add http { path_prefix = "/" } or another match')
    return Permission(action=cast(IntentionAction, action), http=http,
                      span=sink.span(body.where))
