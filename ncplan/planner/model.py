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

from ncplan.address import Addressed
from ncplan.diagnostics import SourceSpan
from ncplan.kinds.base import Action as Action  # where each kind's diff names it
from ncplan.providers.live import NomadJobPlan
from ncplan.state.model import State


class Adoption(enum.Enum):
    """How a live object that the state does not record comes into it.

    ``IMPORT``: no state owns it (made by hand): adopted only as a visible import, and
    apply writes the ownership mark on it. ``RECORD``: it carries this state's lineage (an
    apply wrote it and was stopped before recording it): the state records it.
    """

    IMPORT = "import"
    RECORD = "record"


class PlanMode(enum.Enum):
    NORMAL = "normal"
    DESTROY = "destroy"
    REFRESH_ONLY = "refresh-only"


@dataclass(frozen=True)
class ResourceChange(Addressed):
    """One resource's planned change.

    ``before`` is the live object as ncplan manages it (or the recorded one without a
    refresh), ``after`` the desired one; ``None`` where it does not exist. ``reason``
    says why when it is not obvious ("stopped outside ncplan", "type changes").
    ``replace_paths`` are the attributes that force a replacement. ``observed_index`` is
    the live index seen by this plan (Nomad's JobModifyIndex, Consul's ModifyIndex; 0
    when absent): apply writes with it as check-and-set. ``before_sensitive`` and
    ``after_sensitive`` mirror the values with ``True`` at sensitive leaves (Terraform's
    JSON), ``False`` when nothing is sensitive; ``nomad_plan_sensitive`` mirrors Nomad's
    plan (``{"diff": ..., "warnings": ...}``) the same way (see
    :mod:`ncplan.planner.redaction`: views show values through these masks only).
    ``after_unknown`` mirrors ``after`` with
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
    nomad_plan_sensitive: Any = False
    adoption: Adoption | None = None
    import_id: str = ""

    @property
    def importing(self) -> bool:
        return self.adoption is Adoption.IMPORT

    @property
    def phrase(self) -> str:
        """The end of the ``# ADDR ...`` header line: Terraform's, or, for an adopted
        object without another change, ``will be imported`` / ``will be recorded``."""
        if self.action is Action.NOOP and self.adoption is Adoption.IMPORT:
            return "will be imported"
        if self.action is Action.NOOP and self.adoption is Adoption.RECORD:
            return "will be recorded in the state"
        return self.action.phrase


@dataclass(frozen=True)
class Drift(Addressed):
    """A resource whose live object differs from what the state recorded.

    ``before`` is the recorded value, ``after`` the live one (``None``: deleted outside
    ncplan). ``nomad_plan`` is Nomad's plan of the recorded job against the live one, when
    it gave one. The ``*_sensitive`` masks are a :class:`ResourceChange`'s.
    """

    address: str
    kind: str
    name: str
    action: Action  # UPDATE (changed outside) or DELETE (deleted outside)
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str = ""
    nomad_plan: NomadJobPlan | None = None
    before_sensitive: Any = False
    after_sensitive: Any = False
    nomad_plan_sensitive: Any = False


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
    files, so a stale saved plan can be refused. ``read_live`` is False under
    ``--no-refresh``. ``targets`` is non-empty for a partial plan. ``next_state`` is set
    by ``--refresh-only``: the state its apply writes (live values and indexes).
    ``forgotten`` are recorded addresses whose objects are gone and that the plan does
    not create again: apply (and destroy) drop them from the state and say so.
    ``variables`` and ``configuration`` are what the configuration declared (for the JSON
    policies read; sensitive variables carry no value). ``sidecar_identity``: whether
    sidecar identities were on (resolved) when the configuration was lowered for this
    plan; ``apply`` of the saved plan lowers it the same way.
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
    read_live: bool = True
    next_state: State | None = None
    forgotten: tuple[str, ...] = ()
    variables: tuple[PlanVariable, ...] = ()
    configuration: tuple[ConfiguredResource, ...] = ()
    sidecar_identity: bool = False

    def change(self, address: str) -> ResourceChange | None:
        return next((c for c in self.changes if c.address == address), None)

    @property
    def actionable(self) -> tuple[ResourceChange, ...]:
        """The changes shown and carried out: every action but a no-op, and every
        adopted object (an import writes the ownership mark; a record is recorded)."""
        return tuple(c for c in self.changes
                     if c.action is not Action.NOOP or c.adoption is not None)

    def is_empty(self) -> bool:
        """No change to make (a refresh-only plan is empty when nothing drifted)."""
        if self.mode is PlanMode.REFRESH_ONLY:
            return not self.drift
        return not self.actionable and not self.forgotten

    def adopted(self, how: Adoption) -> int:
        """How many objects the plan imports (or records)."""
        return sum(c.adoption is how for c in self.changes)

    def counts(self) -> tuple[int, int, int]:
        """``(add, change, destroy)`` as Terraform counts them: a replace is one add and
        one destroy."""
        add = sum(c.action in (Action.CREATE, Action.REPLACE) for c in self.changes)
        change = sum(c.action is Action.UPDATE for c in self.changes)
        destroy = sum(c.action in (Action.DELETE, Action.REPLACE) for c in self.changes)
        return add, change, destroy
