"""Carry out one planned change through its kind's writer, every write check-and-set.

The apply engine (:mod:`ncplan.planner.engine`) calls these through the
:class:`~ncplan.planner.engine.ResourceExecutor` protocol: ``write`` for a create or an
update (a replace is the engine's ``delete`` then a ``write`` of the change as a create,
index 0), ``delete`` for a delete. Each ``write`` returns what the state must record:
the desired body written (``change.after``, every sensitive value in it redacted: see
:mod:`ncplan.planner.redaction`), the live index after the write and the change's
dependencies. What each kind writes is its module's (:mod:`ncplan.kinds`):

* ``nomad_job``: register the whole desired Job (``change.body``) with ``EnforceIndex``
  and the JobModifyIndex the plan saw (0 to create); a job whose Nomad plan changes
  nothing is not registered again (no new job version). Nomad has no check-and-set
  delete: the job is read first and deregistered (purged, so a replacement can be
  created with index 0) only while its JobModifyIndex is still the one the plan saw.
* ``consul_intention``: one source of the destination's entry, upserted or removed with
  ``?cas=`` and every other source kept. Several intentions toward one destination share
  one entry, so their writes are serialised per destination and each write after ncplan's
  own first one uses the index that write left (the entry changed, but only by us); those
  ready together go as one write of the entry (``write_group``).
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

from collections.abc import Mapping, Sequence
from typing import Any

from ncplan.errors import ProviderError
from ncplan.kinds.base import GroupWriter, Writer, WriteRequest
from ncplan.kinds.registry import KINDS
from ncplan.planner.engine import ResourceExecutor, Written
from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.reconcile import record_of
from ncplan.providers.clients import Providers
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


def write_request(change: ResourceChange) -> WriteRequest:
    """``change`` as a kind's writer takes it: the whole desired Job for a job
    (``change.body``), else ``after``."""
    plan = change.nomad_plan
    return WriteRequest(address=change.typed_address,
                        body=change.body if change.body is not None else change.after,
                        observed_index=change.observed_index,
                        unchanged=plan is not None and plan.changes_nothing,
                        importing=change.importing)


class KindExecutor:
    """One kind's changes through its :class:`~ncplan.kinds.base.Writer`; what the state
    records has the ``secrets`` redacted."""

    def __init__(self, writer: Writer, secrets: frozenset[str] = frozenset()) -> None:
        self.writer = writer
        self.secrets = secrets

    def write(self, change: ResourceChange) -> Written:
        _body(change)  # a change without a planned body is refused before any request
        result = self.writer.write(write_request(change))
        return Written(recorded(change, result.index, self.secrets), wrote=result.wrote)

    def group_key(self, change: ResourceChange) -> str | None:
        """The key of the writes (or deletes) that can go as one request with this one
        (see :class:`~ncplan.kinds.base.GroupWriter`), ``None`` when it goes alone."""
        if not isinstance(self.writer, GroupWriter) or (
                change.after is None and change.action is not Action.DELETE):
            return None  # a write without a body fails alone, before any request
        return self.writer.group_key(write_request(change))

    def write_group(self, changes: Sequence[ResourceChange]) -> list[Written]:
        """Changes of one group key written as one request, each recorded as its own."""
        for change in changes:
            _body(change)
        results = self._grouping().write_group([write_request(c) for c in changes])
        return [Written(recorded(c, r.index, self.secrets), wrote=r.wrote)
                for c, r in zip(changes, results, strict=True)]

    def delete_group(self, changes: Sequence[ResourceChange]) -> None:
        """Changes of one group key deleted as one request."""
        self._grouping().delete_group([write_request(c) for c in changes])

    def _grouping(self) -> GroupWriter:
        """The writer, which groups (the engine groups only what :meth:`group_key` keys)."""
        if not isinstance(self.writer, GroupWriter):
            raise TypeError(f"{type(self.writer).__name__} writes one change at a time")
        return self.writer

    def delete(self, change: ResourceChange) -> None:
        self.writer.delete(write_request(change))


def executors(providers: Providers, *, secrets: frozenset[str] = frozenset(),
              lineage: str = "") -> dict[str, ResourceExecutor]:
    """One executor per resource kind, as :func:`ncplan.planner.engine.apply_plan` takes
    them; what they record has the ``secrets`` (the configuration's sensitive values)
    redacted; what they write carries the ownership mark ``lineage`` (the state's)."""
    return {name: KindExecutor(kind.writer(providers, lineage), secrets)
            for name, kind in KINDS.items()}
