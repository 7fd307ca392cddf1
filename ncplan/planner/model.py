"""The plan: pure data, built by the diff, shown by views/, carried out by apply.

Terraform's shape: an :class:`Action` per resource address with ``before`` and
``after`` values, the drift found by the refresh ("Objects have changed outside of
ncplan"), warnings, and the apply order. Nothing here prints or talks to a server.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ncplan.diagnostics import SourceSpan
from ncplan.providers.live import NomadJobPlan
from ncplan.state.model import State


class Action(enum.Enum):
    """What apply will do to one resource. ``read`` is never an action."""

    NOOP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"  # destroy, then create the replacement
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"no-op": " ", "create": "+", "update": "~", "replace": "-/+",
                "delete": "-"}[self.value]

    @property
    def terraform_actions(self) -> list[str]:
        """``change.actions`` exactly as Terraform's ``show -json`` spells them."""
        if self is Action.REPLACE:
            return ["delete", "create"]
        return [self.value]

    @property
    def phrase(self) -> str:
        """The end of Terraform's ``# ADDR ...`` header line."""
        return {"no-op": "has no changes", "create": "will be created",
                "update": "will be updated in-place",
                "replace": "must be replaced", "delete": "will be destroyed"}[self.value]


class PlanMode(enum.Enum):
    NORMAL = "normal"
    DESTROY = "destroy"
    REFRESH_ONLY = "refresh-only"


@dataclass(frozen=True)
class ResourceChange:
    """One resource's planned change.

    ``before`` is the live object as ncplan manages it (or the recorded one without a
    refresh), ``after`` the desired one; ``None`` where it does not exist. ``reason``
    says why when it is not obvious ("stopped outside ncplan", "type changes").
    ``replace_paths`` are the attributes that force a replacement. ``observed_index`` is
    the live index seen by this plan (Nomad's JobModifyIndex, Consul's ModifyIndex; 0
    when absent): apply writes with it as check-and-set. ``before_sensitive`` and
    ``after_sensitive`` mirror the values with ``True`` at sensitive leaves (Terraform's
    JSON), ``False`` when nothing is sensitive. ``after_unknown`` mirrors ``after`` with
    ``True`` at the values known only after apply (a sidecar token's SecretID in its
    variable), ``False`` when every value is known. ``body`` is what apply sends for a
    job: the whole desired Job (``after`` is its view without unset values, which would
    drop meaningful empty blocks such as ``SidecarService {}``); ``None`` means ``after``.
    """

    address: str
    kind: str
    name: str
    action: Action
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str = ""
    replace_paths: tuple[str, ...] = ()
    observed_index: int = 0
    nomad_plan: NomadJobPlan | None = None
    depends_on: tuple[str, ...] = ()
    before_sensitive: Any = False
    after_sensitive: Any = False
    source: SourceSpan | None = None
    after_unknown: Any = False
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Drift:
    """A resource whose live object differs from what the state recorded.

    ``before`` is the recorded value, ``after`` the live one (``None``: deleted outside
    ncplan). ``details`` are Nomad's own diff lines for jobs, when it gave them.
    """

    address: str
    kind: str
    name: str
    action: Action  # UPDATE (changed outside) or DELETE (deleted outside)
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str = ""
    nomad_plan: NomadJobPlan | None = None


@dataclass(frozen=True)
class PlanWarning:
    summary: str
    address: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class PlanVariable:
    """A variable as the plan records it: a sensitive one without its value."""

    name: str
    value: Any = None
    sensitive: bool = False


@dataclass(frozen=True)
class ConfiguredResource:
    """A resource as the configuration declares it (Terraform's ``configuration``):
    ``values`` is its desired body, ``depends_on`` what it needs."""

    address: str
    kind: str
    name: str
    values: Mapping[str, Any]
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Everything ``ncplan plan`` found; ``apply`` carries it out.

    ``prior_state`` is the state the plan was made against (``None``: no state yet);
    ``lineage`` and ``serial`` come from it, ``config_digest`` from the configuration
    files, so a stale saved plan can be refused. ``refreshed`` is False under
    ``--no-refresh``. ``targets`` is non-empty for a partial plan. ``next_state`` is set
    by ``--refresh-only``: the state its apply writes (live values and indexes).
    ``variables`` and ``configuration`` are what the configuration declared (for the JSON
    policies read; sensitive variables carry no value).
    """

    mode: PlanMode = PlanMode.NORMAL
    changes: tuple[ResourceChange, ...] = ()
    drift: tuple[Drift, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()
    apply_order: tuple[tuple[str, ...], ...] = ()
    prior_state: State | None = None
    lineage: str = ""
    serial: int = 0
    config_digest: str = ""
    targets: tuple[str, ...] = ()
    refreshed: bool = True
    next_state: State | None = None
    variables: tuple[PlanVariable, ...] = ()
    configuration: tuple[ConfiguredResource, ...] = ()

    def change(self, address: str) -> ResourceChange | None:
        return next((c for c in self.changes if c.address == address), None)

    @property
    def actionable(self) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.changes if c.action is not Action.NOOP)

    def is_empty(self) -> bool:
        """No change to make (a refresh-only plan is empty when nothing drifted)."""
        if self.mode is PlanMode.REFRESH_ONLY:
            return not self.drift
        return not self.actionable

    def counts(self) -> tuple[int, int, int]:
        """``(add, change, destroy)`` as Terraform counts them: a replace is one add and
        one destroy."""
        add = sum(c.action in (Action.CREATE, Action.REPLACE) for c in self.changes)
        change = sum(c.action is Action.UPDATE for c in self.changes)
        destroy = sum(c.action in (Action.DELETE, Action.REPLACE) for c in self.changes)
        return add, change, destroy
