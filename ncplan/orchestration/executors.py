"""Carry out one planned change per resource type, every write check-and-set.

The apply engine (:mod:`ncplan.planner.engine`) calls these through the
:class:`~ncplan.planner.engine.ResourceExecutor` protocol: ``write`` for a create or an
update (a replace is the engine's ``delete`` then a ``write`` of the change as a create,
index 0), ``delete`` for a delete. Each ``write`` returns what the state must record:
the desired body written (``change.after``, every sensitive value in it redacted: see
:mod:`ncplan.planner.redaction`), the live index after the write and the change's
dependencies.

* ``nomad_job``: register the whole desired Job (``change.body``) with ``EnforceIndex``
  and the JobModifyIndex the plan saw (0 to create); a job whose Nomad plan changes
  nothing is not registered again (no new job version). Nomad has no check-and-set
  delete: the job is read first and deregistered (purged, so a replacement can be
  created with index 0) only while its JobModifyIndex is still the one the plan saw.
* ``consul_intention``: one source of the destination's entry, upserted or removed with
  ``?cas=`` and every other source kept. Several intentions toward one destination share
  one entry, so their writes are serialised per destination and each write after ncplan's
  own first one uses the index that write left (the entry changed, but only by us).
* ``consul_service_defaults``: the whole entry, written or deleted with ``?cas=``.
* ``consul_acl_token``: created or updated while its ModifyIndex is the one the plan saw
  (Consul has no check-and-set for tokens: read, compare, write); a delete revokes it.
* ``nomad_variable``: the token's SecretID, read from Consul at apply time (after the
  token, which it depends on), written with ``?cas=``; the state records the planned
  body, whose item is ``None``, never the secret.

A lost check-and-set raises :class:`~ncplan.errors.CheckAndSetConflict` and writes
nothing.

Ownership: given a ``lineage``, every write carries that mark (see
:mod:`ncplan.resources.ownership`): a job's Meta, the service-defaults entry's Meta, the
intention entry's list of the sources each lineage owns. An import (a change whose
``adoption`` is ``import``) is written even when nothing else changes: it gets the mark.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.planner.engine import ResourceExecutor, Written
from ncplan.planner.model import ResourceChange
from ncplan.planner.reconcile import record_of
from ncplan.providers.consul_acl_token import ConsulAclTokens
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_variable import NomadVariables
from ncplan.resources.ownership import with_entry_mark, with_job_mark
from ncplan.resources.sidecar_identity import TOKEN_ITEM
from ncplan.state.model import ResourceState


def recorded(change: ResourceChange, index: int, secrets: frozenset[str]) -> ResourceState:
    """What the state records after writing ``change``: its body, every sensitive value
    in it redacted (``secrets``: the configuration's sensitive values), the index after it."""
    _body(change)
    return record_of(change, index, secrets)


def _body(change: ResourceChange) -> Mapping[str, Any]:
    if change.after is None:
        raise ProviderError(f"{change.address}: the plan has no body to write "
                            f"for a {change.action.value}")
    return change.after


class NomadJobExecutor:
    """``nomad_job`` changes over :class:`NomadJobs`."""

    def __init__(self, jobs: NomadJobs, secrets: frozenset[str] = frozenset(),
                 lineage: str = "") -> None:
        self.jobs = jobs
        self.secrets = secrets
        self.lineage = lineage

    def write(self, change: ResourceChange) -> Written:
        if change.nomad_plan is not None and change.nomad_plan.changes_nothing \
                and change.observed_index and not change.importing:
            return Written(recorded(change, change.observed_index, self.secrets), wrote=False)
        body = change.body if change.body is not None else _body(change)
        if self.lineage:
            body = with_job_mark(body, self.lineage)
        index = self.jobs.register(body, enforce_index=change.observed_index)
        return Written(recorded(change, index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        live = self.jobs.read(change.name)
        if live is None:
            return
        if live.modify_index != change.observed_index:
            raise CheckAndSetConflict(
                f"{change.address} changed since the plan (index {change.observed_index} "
                f"-> {live.modify_index}); run plan again")
        self.jobs.deregister(change.name, purge=True)


class _EntryIndexes:
    """Per config entry: a lock, and the index each of ncplan's own writes moved it from
    and to, so the next write toward the same entry checks against what we left."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._moved: dict[str, dict[int, int]] = {}

    def lock(self, entry: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(entry, threading.Lock())

    def current(self, entry: str, planned: int) -> int:
        """The index to check against: ``planned``, followed through our own writes."""
        moved = self._moved.get(entry, {})
        index, seen = planned, set()
        while index in moved and index not in seen:
            seen.add(index)
            index = moved[index]
        return index

    def record(self, entry: str, before: int, after: int) -> None:
        if before != after:
            self._moved.setdefault(entry, {})[before] = after


class IntentionExecutor:
    """``consul_intention`` changes over :class:`ConsulIntentions`."""

    def __init__(self, intentions: ConsulIntentions, secrets: frozenset[str] = frozenset(),
                 lineage: str = "") -> None:
        self.intentions = intentions
        self.secrets = secrets
        self.lineage = lineage
        self.indexes = _EntryIndexes()

    def write(self, change: ResourceChange) -> Written:
        destination = change.typed_address.destination
        with self.indexes.lock(destination):
            cas = self.indexes.current(destination, change.observed_index)
            index = self.intentions.upsert_source(destination, _body(change), cas,
                                                  owner=self.lineage)
            self.indexes.record(destination, cas, index)
        return Written(recorded(change, index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        address = change.typed_address
        with self.indexes.lock(address.destination):
            cas = self.indexes.current(address.destination, change.observed_index)
            index = self.intentions.remove_source(address.destination, address.source, cas,
                                                  owner=self.lineage)
            self.indexes.record(address.destination, cas, index)


class ServiceDefaultsExecutor:
    """``consul_service_defaults`` changes over :class:`ConsulServiceDefaults`."""

    def __init__(self, defaults: ConsulServiceDefaults,
                 secrets: frozenset[str] = frozenset(), lineage: str = "") -> None:
        self.defaults = defaults
        self.secrets = secrets
        self.lineage = lineage

    def write(self, change: ResourceChange) -> Written:
        body = _body(change)
        if self.lineage:
            body = with_entry_mark(body, self.lineage)
        index = self.defaults.write(change.name, body, change.observed_index)
        return Written(recorded(change, index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        # index 0 (seen absent) too: Consul answers DELETE ?cas=0 of an entry that
        # exists with false and deletes nothing, so the provider raises the conflict
        self.defaults.delete(change.name, change.observed_index)


class TokenExecutor:
    """``consul_acl_token`` changes over :class:`ConsulAclTokens`."""

    def __init__(self, tokens: ConsulAclTokens, secrets: frozenset[str] = frozenset()) -> None:
        self.tokens = tokens
        self.secrets = secrets

    def write(self, change: ResourceChange) -> Written:
        live = self.tokens.write(change.name, _body(change), change.observed_index)
        return Written(recorded(change, live.modify_index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        self.tokens.delete(change.name, change.observed_index)


class VariableExecutor:
    """``nomad_variable`` changes: the SecretID of the service's token, written with CAS."""

    def __init__(self, variables: NomadVariables, tokens: ConsulAclTokens,
                 secrets: frozenset[str] = frozenset()) -> None:
        self.variables = variables
        self.tokens = tokens
        self.secrets = secrets

    def write(self, change: ResourceChange) -> Written:
        _body(change)  # a change without a planned body is refused before any read
        items = {TOKEN_ITEM: self.tokens.secret(change.name)}
        index = self.variables.write(change.name, items, change.observed_index)
        return Written(recorded(change, index, self.secrets), wrote=True)

    def delete(self, change: ResourceChange) -> None:
        self.variables.delete(change.name, change.observed_index)


def executors(jobs: NomadJobs, intentions: ConsulIntentions, defaults: ConsulServiceDefaults,
              tokens: ConsulAclTokens | None = None,
              variables: NomadVariables | None = None, *,
              secrets: frozenset[str] = frozenset(),
              lineage: str = "") -> dict[str, ResourceExecutor]:
    """One executor per resource kind, as :func:`ncplan.planner.engine.apply_plan` takes them
    (the sidecar identity kinds when ``tokens`` and ``variables`` are given); what they
    record has the ``secrets`` (the configuration's sensitive values) redacted; what they
    write carries the ownership mark ``lineage`` (the state's)."""
    found: dict[str, ResourceExecutor] = {
        "nomad_job": NomadJobExecutor(jobs, secrets, lineage),
        "consul_intention": IntentionExecutor(intentions, secrets, lineage),
        "consul_service_defaults": ServiceDefaultsExecutor(defaults, secrets, lineage)}
    if tokens is not None and variables is not None:
        found["consul_acl_token"] = TokenExecutor(tokens, secrets)
        found["nomad_variable"] = VariableExecutor(variables, tokens, secrets)
    return found
