"""The typed configuration: what the HCL files declare, after variables are resolved.

Every class is a frozen dataclass. Collections are tuples, mappings are plain dicts that
nobody mutates after loading (typed ``Mapping``). Each declared object keeps the
``SourceSpan`` of its block so later stages can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ncplan.address import intention_address, job_address
from ncplan.config.entry_model import CanarySpec, ConsulEntry, PathRoute
from ncplan.config.types import STRING, TypeExpr
from ncplan.diagnostics import SourceSpan

SidecarKind = Literal["builtin", "envoy"]
IntentionAction = Literal["allow", "deny"]

DEFAULT_NOMAD_ADDRESS = "http://127.0.0.1:4646"
DEFAULT_CONSUL_ADDRESS = "http://127.0.0.1:8500"
DEFAULT_STATE_PATH = "ncplan.state.json"
DEFAULT_CONSUL_BINARY = "/usr/local/bin/consul"
DEFAULT_CONSUL_AGENT = "127.0.0.1:8500"
L7_PROTOCOLS = ("http", "http2", "grpc")


@dataclass(frozen=True)
class NomadSettings:
    """The ``nomad`` block. ``None`` means: not set in the file (env var or default applies)."""

    address: str | None = None
    region: str | None = None
    namespace: str | None = None
    span: SourceSpan | None = None
    # in a cluster block: the NAMES of the env vars holding its token and CA file
    token_env: str | None = None
    cacert_env: str | None = None


@dataclass(frozen=True)
class ConsulSettings:
    """The ``consul`` block."""

    address: str | None = None
    datacenter: str | None = None
    span: SourceSpan | None = None
    token_env: str | None = None  # in a cluster block, as NomadSettings'
    cacert_env: str | None = None


@dataclass(frozen=True)
class Cluster:
    """A ``cluster "NAME"`` block: one Nomad + Consul pair, addressed as ``...@NAME``."""

    name: str
    nomad: NomadSettings = field(default_factory=NomadSettings)
    consul: ConsulSettings = field(default_factory=ConsulSettings)
    span: SourceSpan | None = None
    # its ``defaults { }``: what its builtin sidecars run and talk to (None: the
    # top-level defaults)
    consul_binary: str | None = None
    consul_agent: str | None = None
    consul_agent_cacert: str | None = None


@dataclass(frozen=True)
class BackendConfig:
    """The ``backend "local"|"consul"`` block; ``path`` is a file path or a KV path."""

    kind: Literal["local", "consul"] = "local"
    path: str = DEFAULT_STATE_PATH
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Defaults:
    """The ``defaults`` block: applied to every service that does not set its own."""

    datacenters: tuple[str, ...] = ("dc1",)
    sidecar: SidecarKind = "builtin"
    consul_binary: str = DEFAULT_CONSUL_BINARY
    consul_agent: str = DEFAULT_CONSUL_AGENT
    consul_agent_cacert: str | None = None  # CONSUL_CACERT of builtin sidecars
    sidecar_identity: bool | None = None  # None: on when Consul has ACLs enabled
    span: SourceSpan | None = None


@dataclass(frozen=True)
class ApplyBehaviour:
    """The ``apply`` block: how ``ncplan apply`` behaves for this configuration.
    ``rollback_on_failure``: as ``--rollback-on-failure`` (for pipelines)."""

    rollback_on_failure: bool = False
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Variable:
    """A ``variable`` block and the value it resolved to (``value`` is set after resolution)."""

    name: str
    type: TypeExpr = STRING
    default: Any = None
    description: str = ""
    sensitive: bool = False
    nullable: bool = True
    value: Any = None
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Resources:
    cpu: int = 100
    memory: int = 128


@dataclass(frozen=True)
class Task:
    """The app task of a service; its name is the service name."""

    driver: str
    config: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)
    span: SourceSpan | None = None


CONNECT_PORT_LABEL = "connect"  # the builtin sidecar's public listener
UPSTREAM_PORT_PREFIX = "up_"


def env_label(name: str) -> str:
    """``count-api`` -> ``count_api``: a name as Nomad port labels and env vars take it."""
    return name.replace("-", "_")


def upstream_port_label(upstream: str) -> str:
    """``count-api`` -> ``up_count_api``: the dynamic port of a builtin upstream listener."""
    return UPSTREAM_PORT_PREFIX + env_label(upstream)


@dataclass(frozen=True)
class Upstream:
    """An ``upstream "NAME"`` block: this service dials NAME through its sidecar."""

    name: str
    local_bind_port: int | None = None
    external: bool = False  # NAME is not declared in this configuration
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Lifecycle:
    prevent_destroy: bool = False
    span: SourceSpan | None = None  # where the ``lifecycle`` block stands


@dataclass(frozen=True)
class Service:
    """A ``service`` block: one Nomad job, one group, the app task and a Connect sidecar.

    Fields a service leaves unset have already been filled from ``defaults``.
    """

    name: str
    task: Task
    datacenters: tuple[str, ...] = ("dc1",)
    count: int = 1
    port: str | None = None  # label of the app's dynamic port; None: calls others only
    sidecar: SidecarKind = "builtin"
    register: bool = True
    protocol: str = "tcp"
    depends_on: tuple[str, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)
    upstreams: tuple[Upstream, ...] = ()
    canary: CanarySpec | None = None  # its ``canary`` block (docs/language.md, "Traffic")
    routes: tuple[PathRoute, ...] = ()  # its ``route "PREFIX"`` blocks, in order
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    consul_binary: str = DEFAULT_CONSUL_BINARY
    consul_agent: str = DEFAULT_CONSUL_AGENT
    consul_agent_cacert: str | None = None
    span: SourceSpan | None = None
    clusters: tuple[str, ...] | None = None  # None: every declared cluster

    @property
    def address(self) -> str:
        return job_address(self.name)


@dataclass(frozen=True)
class RawJob:
    """A ``job`` block passed through to Nomad.

    ``source`` is the text sent to /v1/jobs/parse with ``variables`` (the values of the
    variables it declares): a whole jobspec file, or a ``job`` block's text followed by a
    declaration of each ncplan variable it uses. ``file`` and ``line`` say where that text
    starts, so Nomad's messages about it can be located. ``body`` is the parser's view
    of the block (``hcl.body_value``, in python-hcl2's shape), used for dependencies and
    for ``--no-refresh`` plans. ``upstreams`` and ``depends_on`` are derived from the job
    itself (from the HCL text until Nomad has parsed it; ``partial`` when the text has
    ``dynamic`` blocks only Nomad expands); ``services`` are the names its ``service``
    blocks register in Consul.
    """

    name: str
    source: str
    body: Mapping[str, Any] = field(default_factory=dict)
    upstreams: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    span: SourceSpan | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""
    line: int = 1
    partial: bool = False
    services: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return job_address(self.name)


@dataclass(frozen=True)
class HttpMatch:
    """The ``http`` block of an L7 permission (Consul's IntentionHTTPPermission)."""

    path_exact: str | None = None
    path_prefix: str | None = None
    path_regex: str | None = None
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Permission:
    action: IntentionAction
    http: HttpMatch | None = None
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Intention:
    """``intention "SRC" "DST"``: an L4 ``action`` or a list of L7 ``permissions``."""

    source: str
    destination: str
    action: IntentionAction | None = "allow"
    description: str = ""
    permissions: tuple[Permission, ...] = ()
    span: SourceSpan | None = None
    clusters: tuple[str, ...] | None = None  # None: where its destination runs

    @property
    def address(self) -> str:
        return intention_address(self.source, self.destination)


@dataclass(frozen=True)
class Config:
    """One configuration directory, loaded and validated."""

    directory: str
    files: tuple[str, ...] = ()
    nomad: NomadSettings = field(default_factory=NomadSettings)
    consul: ConsulSettings = field(default_factory=ConsulSettings)
    backend: BackendConfig = field(default_factory=BackendConfig)
    defaults: Defaults = field(default_factory=Defaults)
    apply: ApplyBehaviour = field(default_factory=ApplyBehaviour)
    variables: Mapping[str, Variable] = field(default_factory=dict)
    services: tuple[Service, ...] = ()
    jobs: tuple[RawJob, ...] = ()
    intentions: tuple[Intention, ...] = ()
    consul_entries: tuple[ConsulEntry, ...] = ()  # *.consul.hcl / *.consul.json
    clusters: tuple[Cluster, ...] = ()  # none: the one implicit cluster, as before

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def job(self, name: str) -> RawJob | None:
        return next((j for j in self.jobs if j.name == name), None)

    def sensitive_values(self) -> frozenset[str]:
        """The text of every sensitive variable's value (each leaf of a list or map), so
        views can mask any output string that contains one."""
        found: set[str] = set()

        def collect(value: Any) -> None:
            if isinstance(value, Mapping):
                for item in value.values():
                    collect(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    collect(item)
            elif value is not None and not isinstance(value, bool) and str(value) != "":
                found.add(str(value))

        for variable in self.variables.values():
            if variable.sensitive:
                collect(variable.value)
        return frozenset(found)

    @property
    def job_names(self) -> tuple[str, ...]:
        """Every Nomad job this configuration declares, from services and raw jobs."""
        return tuple(s.name for s in self.services) + tuple(j.name for j in self.jobs)
