"""What the providers read from Nomad and Consul, as pure data (no I/O here).

Providers return these; the planner diffs them against the configuration and the state.
Bodies are the APIs' own JSON, untouched; every other field is lifted out of it once,
here, so nothing above providers/ digs through API dicts for indexes or flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LiveJob:
    """A job as ``GET /v1/job/:id`` returns it."""

    name: str
    body: Mapping[str, Any]
    modify_index: int  # JobModifyIndex: the EnforceIndex of the next register
    stopped: bool = False  # "Stop": true (``nomad job stop``, or stopped outside ncplan)
    status: str = ""  # "pending" | "running" | "dead"


@dataclass(frozen=True)
class GroupAnnotation:
    """Nomad's scheduler annotations for one task group (``Annotations.DesiredTGUpdates``)."""

    group: str
    place: int = 0
    in_place_update: int = 0
    destructive_update: int = 0
    stop: int = 0
    migrate: int = 0
    canary: int = 0
    ignore: int = 0
    preemptions: int = 0


@dataclass(frozen=True)
class PlacementFailure:
    """Why a task group could not be placed (``FailedTGAllocs[group]``, an AllocMetric)."""

    group: str
    nodes_evaluated: int = 0
    nodes_filtered: int = 0
    nodes_exhausted: int = 0
    nodes_available: Mapping[str, int] = field(default_factory=dict)  # by datacenter
    constraint_filtered: Mapping[str, int] = field(default_factory=dict)  # constraint -> nodes
    class_filtered: Mapping[str, int] = field(default_factory=dict)
    dimension_exhausted: Mapping[str, int] = field(default_factory=dict)  # "memory" -> nodes
    coalesced_failures: int = 0


@dataclass(frozen=True)
class NomadJobPlan:
    """Nomad's answer to ``PUT /v1/job/:id/plan`` with ``Diff=true``.

    ``diff`` is Nomad's JobDiff as returned (``Type``, ``Fields``, ``Objects``,
    ``TaskGroups``); ``diff_type`` is its ``Type``: ``"None"`` is the ground truth for
    "nothing to do", ``"Added"``, ``"Edited"`` or ``"Deleted"`` otherwise.
    """

    job_name: str
    diff_type: str
    diff: Mapping[str, Any] = field(default_factory=dict)
    annotations: tuple[GroupAnnotation, ...] = ()
    failures: tuple[PlacementFailure, ...] = ()
    job_modify_index: int = 0
    warnings: str = ""

    @property
    def changes_nothing(self) -> bool:
        return self.diff_type == "None"


@dataclass(frozen=True)
class LiveIntentions:
    """A destination's ``service-intentions`` config entry, every source included."""

    destination: str
    body: Mapping[str, Any]
    modify_index: int

    @property
    def sources(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.body.get("Sources") or ())

    def source(self, name: str) -> Mapping[str, Any] | None:
        """The ``Sources[]`` entry for source ``name`` (Consul keeps one per name)."""
        return next((s for s in self.sources if s.get("Name") == name), None)


@dataclass(frozen=True)
class LiveServiceDefaults:
    """A ``service-defaults`` config entry."""

    name: str
    body: Mapping[str, Any]
    modify_index: int


@dataclass(frozen=True)
class LiveConfigEntry:
    """A config entry of any kind, read whole (``GET /v1/config/:kind/:name``); ``key``
    is ``KIND.NAME``, the name part of its ``consul_config_entry`` address."""

    kind: str
    name: str
    body: Mapping[str, Any]
    modify_index: int

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass(frozen=True)
class LiveToken:
    """A Consul ACL token as ``GET /v1/acl/token/:AccessorID`` returns it, without its
    SecretID: ``body`` keeps the keys ncplan manages (AccessorID, Description,
    ServiceIdentities); ``secret_digest`` is the SHA-256 of the SecretID, enough to tell
    whether a variable holds this token without carrying the secret around."""

    name: str
    body: Mapping[str, Any]
    modify_index: int
    secret_digest: str = field(default="", repr=False)


@dataclass(frozen=True)
class LiveVariable:
    """A Nomad Variable as ``GET /v1/var/:path`` returns it, without its values: ``body``
    is its Path and its item names (each value ``None``); ``item_digests`` the SHA-256 of
    each item's value."""

    name: str
    body: Mapping[str, Any]
    modify_index: int
    item_digests: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class MeshPolicy:
    """What Consul does with a connection no intention matches."""

    acl_enabled: bool = False
    acl_default_policy: str = "allow"  # "allow" | "deny"

    @property
    def denies_by_default(self) -> bool:
        return self.acl_enabled and self.acl_default_policy == "deny"


@dataclass(frozen=True)
class Refreshed:
    """Everything one refresh read, keyed by name; ``None`` means "does not exist".

    * ``jobs``: by job name, for every job in the configuration or the state.
    * ``intentions``: by destination, for every destination in the configuration or state.
    * ``service_defaults``: by service name.
    * ``parsed_jobs``: raw ``job`` blocks' Job JSON from ``/v1/jobs/parse``, by job name.
    * ``plans``: Nomad's plan of the desired job, by job name (desired jobs only).
    * ``drift_plans``: Nomad's plan of the job as recorded in the state, by job name, for
      jobs whose live JobModifyIndex moved since ncplan wrote them (what changed outside).
    * ``catalog_services``: service names registered in Consul's catalog.
    * ``acl_tokens``: sidecar identity tokens, by service name.
    * ``variables``: the Variables ``nomad/jobs/NAME`` of sidecar identities, by name.
    * ``config_entries``: entry files' config entries, by ``KIND.NAME``.
    """

    jobs: Mapping[str, LiveJob | None] = field(default_factory=dict)
    intentions: Mapping[str, LiveIntentions | None] = field(default_factory=dict)
    service_defaults: Mapping[str, LiveServiceDefaults | None] = field(default_factory=dict)
    parsed_jobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    plans: Mapping[str, NomadJobPlan] = field(default_factory=dict)
    drift_plans: Mapping[str, NomadJobPlan] = field(default_factory=dict)
    catalog_services: frozenset[str] = frozenset()
    mesh: MeshPolicy = field(default_factory=MeshPolicy)
    acl_tokens: Mapping[str, LiveToken | None] = field(default_factory=dict)
    variables: Mapping[str, LiveVariable | None] = field(default_factory=dict)
    config_entries: Mapping[str, LiveConfigEntry | None] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentProgress:
    """Where a registered job's rollout stands (its deployment, or its allocations when
    the job has none). ``status`` is ``"running"``, ``"successful"`` or ``"failed"``;
    ``reason`` is Nomad's own words when it failed (a task event such as ``Driver
    Failure: failed to launch command ...``, or the deployment's StatusDescription)."""

    job_name: str
    status: str
    desired: int = 0
    placed: int = 0
    healthy: int = 0
    unhealthy: int = 0
    description: str = ""
    reason: str = ""

    @property
    def finished(self) -> bool:
        return self.status in ("successful", "failed")
