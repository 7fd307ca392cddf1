"""One resource's change: desired (configuration) vs recorded (state) vs live. Pure.

With a refresh, live decides: for Nomad jobs Nomad's own plan (``Type: "None"`` is
"nothing to do"), for Consul entries the managed keys only (see :mod:`.managed`). Without
one (``--no-refresh``), the desired body is compared with the attributes the state
recorded. ``before`` is the live object as ncplan manages it (or the recorded one),
``after`` the desired one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.address import token_address
from ncplan.planner.managed import job_view, managed_source, project
from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.redaction import restore
from ncplan.providers.live import LiveIntentions, LiveServiceDefaults, LiveToken, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.resources.sidecar_identity import TOKEN_ITEM
from ncplan.state.model import ResourceState

#: Job attributes that cannot change in place (a job's ID is its address).
REPLACE_KEYS = ("Namespace", "Region", "Type")
STOPPED = "stopped outside ncplan; it will be started again"
DELETED = "deleted outside ncplan; it will be created again"
ADOPTED = "exists in {where} but not in the state; ncplan will adopt it"
NEW_TOKEN = "its token will be created: the variable gets the new SecretID"
OTHER_TOKEN = ("it does not hold the SecretID of {token}: it gets it (the job's proxy "
               "restarts onto it)")
RAW_OFFLINE = ("planned without a refresh: a raw job is shown by its HCL attributes, which "
               "cannot be compared with the Job Nomad parsed from it")


def differs(before: Any, after: Any) -> bool:
    """Whether two JSON-shaped values differ: a key, a value, a list's order, or a type
    (``1`` is not ``1.0``, ``true`` is not ``1``, as JSON and the state file keep them)."""
    return not _same(plain(before), plain(after))


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def replace_paths(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The job attributes forcing a replacement. ``Type`` defaults to ``service``; a
    Namespace or Region counts only when both sides name one."""
    paths = []
    for key in REPLACE_KEYS:
        old, new = before.get(key), after.get(key)
        if key == "Type":
            old, new = old or "service", new or "service"
        if old is not None and new is not None and old != new:
            paths.append(key)
    return tuple(paths)


def desired_body(desired: DesiredResource, refreshed: Refreshed | None) -> Mapping[str, Any]:
    """A raw ``job``'s Job JSON from Nomad's parse when refreshed, else the HCL view."""
    if desired.raw and refreshed is not None and desired.name in refreshed.parsed_jobs:
        return refreshed.parsed_jobs[desired.name]
    return desired.body


def planned_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    """The desired object as the plan shows it and the state records it (``after``): a
    job without server keys and unset values (a raw job without a refresh: its HCL view,
    untouched), an intention source's managed keys."""
    parsed = refreshed is not None and desired.name in refreshed.parsed_jobs
    if desired.kind == "nomad_job" and (parsed or not desired.raw):
        return job_view(desired_body(desired, refreshed))
    if desired.kind == "consul_intention":
        return managed_source(desired.body)
    result: dict[str, Any] = plain(desired.body)
    return result


def _change(desired: DesiredResource, action: Action, **fields: Any) -> ResourceChange:
    return ResourceChange(address=desired.address, kind=desired.kind, name=desired.name,
                          action=action, depends_on=desired.depends_on,
                          source=desired.source, **fields)


def _replace_reason(paths: tuple[str, ...]) -> str:
    return ", ".join(f"{p.lower()} changes" for p in paths) + "; it cannot change in place"


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
    paths = replace_paths(before, after) if desired.kind == "nomad_job" else ()
    if paths:
        return _change(desired, Action.REPLACE, before=before, after=after, observed_index=index,
                       replace_paths=paths, reason=_replace_reason(paths))
    if not differs(before, after):
        return _change(desired, Action.NOOP, before=before, after=after, observed_index=index)
    return _change(desired, Action.UPDATE, before=before, after=after, observed_index=index,
                   reason=RAW_OFFLINE if desired.raw else "")


def diff_job(desired: DesiredResource, recorded: ResourceState | None,
             refreshed: Refreshed) -> ResourceChange:
    """Nomad decides: its plan's diff type, unless the job is absent, stopped or replaced."""
    body = desired_body(desired, refreshed)
    after = planned_body(desired, refreshed)
    live = refreshed.jobs.get(desired.name)
    plan = refreshed.plans.get(desired.name)
    if live is None:
        return _change(desired, Action.CREATE, after=after, nomad_plan=plan,
                       reason=DELETED if recorded is not None else "", body=plain(body))
    before = project(live.body, after)
    common = {"before": before, "after": after, "observed_index": live.modify_index,
              "nomad_plan": plan, "body": plain(body)}
    paths = replace_paths(live.body, body)
    if paths:
        return _change(desired, Action.REPLACE, replace_paths=paths,
                       reason=_replace_reason(paths), **common)
    if live.stopped:
        return _change(desired, Action.UPDATE, reason=STOPPED, **common)
    unchanged = plan.changes_nothing if plan is not None else not differs(before, after)
    reason = ADOPTED.format(where="Nomad") if recorded is None else ""
    return _change(desired, Action.NOOP if unchanged else Action.UPDATE, reason=reason, **common)


def live_source(live: LiveIntentions | None, source: str) -> Mapping[str, Any] | None:
    """The managed keys of ``source`` in a destination's live entry, found by name:
    Consul re-sorts the sources by precedence, so their positions mean nothing."""
    if live is None:
        return None
    found = live.source(source)
    return None if found is None else managed_source(found)


def diff_intention(desired: DesiredResource, recorded: ResourceState | None,
                   refreshed: Refreshed) -> ResourceChange:
    address = desired.typed_address
    live = refreshed.intentions.get(address.destination)
    after = planned_body(desired, refreshed)
    before = live_source(live, address.source)
    index = live.modify_index if live is not None else 0
    return _consul_change(desired, recorded, before, after, index)


def diff_service_defaults(desired: DesiredResource, recorded: ResourceState | None,
                          refreshed: Refreshed) -> ResourceChange:
    return _entry_change(desired, recorded, refreshed,
                         refreshed.service_defaults.get(desired.name))


def diff_token(desired: DesiredResource, recorded: ResourceState | None,
               refreshed: Refreshed) -> ResourceChange:
    """A sidecar token: its managed keys (description, service identity), never the secret."""
    return _entry_change(desired, recorded, refreshed, refreshed.acl_tokens.get(desired.name))


def _entry_change(desired: DesiredResource, recorded: ResourceState | None,
                  refreshed: Refreshed,
                  live: LiveServiceDefaults | LiveToken | None) -> ResourceChange:
    """A whole Consul object (not one source of an entry): the keys ncplan sets."""
    after = planned_body(desired, refreshed)
    before = None if live is None else project(live.body, after)
    index = live.modify_index if live is not None else 0
    return _consul_change(desired, recorded, before, after, index)


def diff_variable(desired: DesiredResource, recorded: ResourceState | None,
                  refreshed: Refreshed) -> ResourceChange:
    """A sidecar token's variable: up to date when it holds its token's SecretID (their
    SHA-256 digests match); the secret itself is never in ``before`` or ``after``."""
    live = refreshed.variables.get(desired.name)
    after = planned_body(desired, refreshed)
    if live is None:
        return _change(desired, Action.CREATE, after=after,
                       reason=DELETED if recorded is not None else "")
    token = refreshed.acl_tokens.get(desired.name)
    held = live.item_digests.get(TOKEN_ITEM)
    common = {"before": plain(live.body), "after": after, "observed_index": live.modify_index}
    if token is None:
        return _change(desired, Action.UPDATE, reason=NEW_TOKEN, **common)
    if held != token.secret_digest or differs(live.body, after):
        reason = OTHER_TOKEN.format(token=token_address(desired.name))
        return _change(desired, Action.UPDATE, reason=reason, **common)
    reason = ADOPTED.format(where="Nomad") if recorded is None else ""
    return _change(desired, Action.NOOP, reason=reason, **common)


def _consul_change(desired: DesiredResource, recorded: ResourceState | None,
                   before: Mapping[str, Any] | None, after: Mapping[str, Any],
                   index: int) -> ResourceChange:
    if before is None:  # the destination's entry may exist (other sources): keep its index
        return _change(desired, Action.CREATE, after=after, observed_index=index,
                       reason=DELETED if recorded is not None else "")
    action = Action.UPDATE if differs(before, after) else Action.NOOP
    reason = ADOPTED.format(where="Consul") if recorded is None else ""
    return _change(desired, action, before=before, after=after, observed_index=index,
                   reason=reason)


def diff_resource(desired: DesiredResource, recorded: ResourceState | None,
                  refreshed: Refreshed | None,
                  secrets: frozenset[str] = frozenset()) -> ResourceChange:
    """The change for one desired resource (``refreshed`` is None under ``--no-refresh``;
    ``secrets`` are the sensitive values the state holds redacted)."""
    if refreshed is None:
        return diff_offline(desired, recorded, secrets)
    if desired.kind == "nomad_job":
        return diff_job(desired, recorded, refreshed)
    if desired.kind == "consul_intention":
        return diff_intention(desired, recorded, refreshed)
    if desired.kind == "consul_acl_token":
        return diff_token(desired, recorded, refreshed)
    if desired.kind == "nomad_variable":
        return diff_variable(desired, recorded, refreshed)
    return diff_service_defaults(desired, recorded, refreshed)


def delete_change(recorded: ResourceState, observed_index: int) -> ResourceChange:
    """A resource in the state that the configuration no longer declares (or ``--destroy``).

    ``before`` is what the state recorded; ``observed_index`` the live index when known
    (else the recorded one).
    """
    return ResourceChange(address=recorded.address, kind=recorded.kind,
                          name=recorded.typed_address.name,
                          action=Action.DELETE, before=plain(recorded.attributes),
                          observed_index=observed_index, depends_on=recorded.dependencies)
