"""One resource's change: desired (configuration) vs recorded (state) vs live. Pure.

With a refresh, live decides, as the resource's kind compares (see
:mod:`ncplan.kinds`: for Nomad jobs Nomad's own plan, for Consul entries the managed keys
only). Without one (``--no-refresh``), the desired body is compared with the attributes
the state recorded. ``before`` is the live object as ncplan manages it (or the recorded
one), ``after`` the desired one.
"""

from __future__ import annotations

from typing import Any

from ncplan.kinds.base import Verdict
from ncplan.kinds.compare import ADOPTED as ADOPTED
from ncplan.kinds.compare import DELETED as DELETED
from ncplan.kinds.compare import STOPPED as STOPPED
from ncplan.kinds.compare import differs as differs
from ncplan.kinds.compare import replace_reason
from ncplan.kinds.registry import kind_of
from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.redaction import restore
from ncplan.providers.live import Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState

RAW_OFFLINE = ("planned without a refresh: a raw job is shown by its HCL attributes, which "
               "cannot be compared with the Job Nomad parsed from it")


def planned_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    """The desired object as the plan shows it and the state records it (``after``), as
    its kind says (a job without server keys and unset values, an intention source's
    managed keys)."""
    return kind_of(desired.kind).planned_body(desired, refreshed)


def _change(desired: DesiredResource, action: Action, **fields: Any) -> ResourceChange:
    return ResourceChange(address=desired.address, kind=desired.kind, name=desired.name,
                          action=action, depends_on=desired.depends_on,
                          source=desired.source, **fields)


def _from_verdict(desired: DesiredResource, verdict: Verdict) -> ResourceChange:
    return _change(desired, verdict.action, before=verdict.before, after=verdict.after,
                   reason=verdict.reason, replace_paths=verdict.replace_paths,
                   observed_index=verdict.observed_index, nomad_plan=verdict.nomad_plan,
                   body=verdict.body)


def diff_offline(desired: DesiredResource, recorded: ResourceState | None,
                 secrets: frozenset[str] = frozenset()) -> ResourceChange:
    """``--no-refresh``: the planned body against what the state recorded (a plan's
    ``after``), its redacted sensitive values taken from ``after`` where that holds one of
    ``secrets`` (a secret is taken as unchanged). A raw job has no Job JSON without
    Nomad's parse: it plans as an update."""
    after = planned_body(desired, None)
    if recorded is None:
        return _change(desired, Action.CREATE, after=after)
    before = restore(plain(recorded.attributes), after, secrets)
    index = recorded.observed_index
    paths = kind_of(desired.kind).replace_paths(before, after)
    if paths:
        return _change(desired, Action.REPLACE, before=before, after=after, observed_index=index,
                       replace_paths=paths, reason=replace_reason(paths))
    if not differs(before, after):
        return _change(desired, Action.NOOP, before=before, after=after, observed_index=index)
    return _change(desired, Action.UPDATE, before=before, after=after, observed_index=index,
                   reason=RAW_OFFLINE if desired.raw else "")


def diff_resource(desired: DesiredResource, recorded: ResourceState | None,
                  refreshed: Refreshed | None,
                  secrets: frozenset[str] = frozenset()) -> ResourceChange:
    """The change for one desired resource (``refreshed`` is None under ``--no-refresh``;
    ``secrets`` are the sensitive values the state holds redacted)."""
    if refreshed is None:
        return diff_offline(desired, recorded, secrets)
    return _from_verdict(desired, kind_of(desired.kind).compare(desired, recorded, refreshed))


def delete_change(recorded: ResourceState, observed_index: int) -> ResourceChange:
    """A resource in the state that the configuration no longer declares (or ``--destroy``).

    ``before`` is what the state recorded; ``observed_index`` the live index when known
    (else the recorded one).
    """
    return ResourceChange(address=recorded.address, kind=recorded.kind,
                          name=recorded.typed_address.name,
                          action=Action.DELETE, before=plain(recorded.attributes),
                          observed_index=observed_index, depends_on=recorded.dependencies)
