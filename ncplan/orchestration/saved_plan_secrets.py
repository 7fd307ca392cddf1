"""A saved plan's sensitive values, restored from the configuration for ``apply FILE``.

The plan file holds every sensitive value redacted (:mod:`ncplan.planner.redaction`).
Its configuration digest proves the files and variable values are the ones planned, so
the configuration lowered again (with the sidecar identity the plan recorded) gives the
same desired bodies: each change's ``body``,
``after`` and ``before`` take their redacted leaves back from the desired body at the
same path. A raw ``job`` block planned with a refresh was registered as Nomad's parse
of it: that parse is made again (the refresh's own path, ``parse_raw_job``) for a job
whose saved body is redacted. Restoring only fills the markers, so nothing else of the
saved plan can change; a marker left where the configuration has none is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.kinds.nomad_job import parse_raw_job
from ncplan.planner.model import Plan, ResourceChange
from ncplan.planner.redaction import restore, still_redacted
from ncplan.providers.clients import Providers
from ncplan.resources.desired import DesiredResource


def restored_plan(plan: Plan, config: Config, lowered: Sequence[DesiredResource],
                  providers: Providers) -> Plan:
    """``plan`` with its sensitive values back from ``lowered`` (the configuration lowered
    as the plan was, with its ``sidecar_identity``); raises NcplanError when one cannot
    be."""
    secrets = config.sensitive_values()
    if not secrets:
        return plan
    desired = {r.address: r for r in lowered}
    changes = []
    for change in plan.changes:
        resource = desired.get(change.address)
        if resource is None or not _redacted(change):
            changes.append(change)
            continue
        fresh = _fresh_body(resource, plan.read_live, config, providers)
        changes.append(_restored(change, fresh, secrets))
    return replace(plan, changes=tuple(changes))


def _redacted(change: ResourceChange) -> bool:
    return any(still_redacted(value) for value in (change.before, change.after, change.body))


def _fresh_body(resource: DesiredResource, refreshed: bool, config: Config,
                providers: Providers) -> Mapping[str, Any]:
    """The desired body as the plan used it: Nomad's parse of a raw job planned with a
    refresh, else the lowered body."""
    job = config.job(resource.name) if resource.raw and refreshed else None
    if job is None:
        return resource.body
    return parse_raw_job(providers, job)


def _restored(change: ResourceChange, fresh: Mapping[str, Any],
              secrets: frozenset[str]) -> ResourceChange:
    def back(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        return None if value is None else restore(value, fresh, secrets)

    restored = replace(change, before=back(change.before), after=back(change.after),
                       body=back(change.body))
    written = restored.body if restored.body is not None else restored.after
    if still_redacted(written) and not still_redacted(fresh):
        raise NcplanError(f"{change.address}: the saved plan's sensitive values cannot be "
                          "restored from the configuration",
                          hint="make a new plan (ncplan plan --out FILE) and apply that")
    return restored
