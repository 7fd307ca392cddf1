"""What every resource kind provides, as one typed record of functions (:class:`Kind`).

A kind module (``kinds/nomad_job.py``, ...) builds one :class:`Kind` and the registry
(:mod:`ncplan.kinds.registry`) maps kind names to them; the planner, refresh, the apply
executors and import iterate the registry and never branch on a kind's name. The types a
kind's functions answer with live here too: a :class:`Verdict` (what the diff found), a
:class:`Drifted` (what changed outside ncplan), a :class:`LiveView`, an :class:`Owner`, a
refresh :class:`Round`, a :class:`WriteRequest` and the :class:`Writer` carrying it out.
I/O stays in providers/: a kind calls them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from ncplan.address import Address, ResourceKind
from ncplan.config.model import Config
from ncplan.diagnostics import SourceSpan
from ncplan.errors import CheckAndSetConflict, ProviderError, ProviderUnreachable
from ncplan.providers.clients import Providers
from ncplan.providers.listed import is_partial
from ncplan.providers.live import NomadJobPlan, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState, State

T = TypeVar("T")


class Indexed(Protocol):
    """A live object as a provider reads it: its index is what check-and-set compares."""

    @property
    def modify_index(self) -> int: ...


L = TypeVar("L", bound=Indexed)
L_co = TypeVar("L_co", bound=Indexed, covariant=True)


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


@dataclass(frozen=True)
class Verdict:
    """One desired resource compared with its live object: the fields of its change."""

    action: Action
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str = ""
    replace_paths: tuple[str, ...] = ()
    observed_index: int = 0
    nomad_plan: NomadJobPlan | None = None
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LiveView:
    """A recorded resource's live counterpart, reduced to what ncplan manages.

    ``body`` is ``None`` when the object is gone; ``stopped`` for a job stopped outside.
    """

    body: Mapping[str, Any] | None
    index: int = 0
    stopped: bool = False


@dataclass(frozen=True)
class Drifted:
    """How a recorded object changed outside ncplan (its live ``after``, why, and Nomad's
    plan of the recorded job when it gave one)."""

    after: Mapping[str, Any]
    reason: str = "changed outside ncplan"
    nomad_plan: NomadJobPlan | None = None


@dataclass(frozen=True)
class Owner:
    """A live object's owner: ``exists`` False when there is no such object; ``lineage``
    ``None`` when it carries no mark."""

    exists: bool
    lineage: str | None = None


ABSENT = Owner(exists=False)


@dataclass(frozen=True)
class Task(Generic[T]):
    """One request: what it is for (an address, or a name like ``Consul mesh policy``),
    where its block is (for errors about jobs Nomad rejects), and the call itself."""

    label: str
    call: Callable[[], T]
    source: SourceSpan | None = None
    rejects_job: bool = False  # a 4xx/5xx means Nomad refused the job itself


@dataclass(frozen=True)
class Round(Generic[T]):
    """Requests of one refresh round whose answers (by key) one ``store`` puts into the
    :class:`Refreshed`: typed end to end, the answers never travel as ``Any``."""

    tasks: Mapping[str, Task[T]]
    store: Callable[[Refreshed, Mapping[str, T]], Refreshed]


@dataclass(frozen=True)
class Listing(Generic[L]):
    """One kind's objects as its list request gave them: the live index of each (by read
    key) and, when the list answers whole objects (Consul's config entries), the objects;
    ``whole`` False when ACLs filtered the list (an object absent from it may exist)."""

    indexes: Mapping[str, int]
    objects: Mapping[str, L] = field(default_factory=dict)
    whole: bool = True  # False: the API left out objects the token may not read


@dataclass(frozen=True)
class ReadContext:
    """What a kind's refresh rounds are built from: the providers, the configuration, the
    desired resources, the state, the configuration's secrets and the ownership mark."""

    providers: Providers
    config: Config
    desired: Sequence[DesiredResource]
    state: State | None
    addresses: Sequence[Address]
    secrets: frozenset[str] = frozenset()
    lineage: str = ""
    listings: Mapping[str, Listing[Any]] = field(default_factory=dict)  # by kind name
    parsed: Mapping[str, Mapping[str, Any]] | None = None  # raw jobs Nomad parsed already

    @cached_property
    def recorded(self) -> Mapping[str, ResourceState]:
        """The state's resources by address."""
        return {r.address: r for r in self.state.resources} if self.state is not None else {}

    @cached_property
    def wanted(self) -> Mapping[str, DesiredResource]:
        """The desired resources by address."""
        return {r.address: r for r in self.desired}

    def listed(self, kind: str) -> Listing[Any]:
        """What ``kind``'s list request gave (nothing when it was not listed)."""
        return self.listings.get(kind) or Listing({})


@dataclass(frozen=True)
class WriteRequest:
    """One planned write or delete, as a kind's writer takes it: the change's address,
    name, body (``body`` for a job, else ``after``), the index the plan observed, whether
    Nomad's plan of it changes nothing and whether it is an import."""

    address: Address
    body: Mapping[str, Any] | None
    observed_index: int
    unchanged: bool = False
    importing: bool = False

    @property
    def name(self) -> str:
        return self.address.name


@dataclass(frozen=True)
class WriteResult:
    """The live index after a write; ``wrote`` False when nothing needed writing."""

    index: int
    wrote: bool = True


class Writer(Protocol):
    """One kind's writes for one apply, each check-and-set at the planned index."""

    def write(self, request: WriteRequest) -> WriteResult: ...

    def delete(self, request: WriteRequest) -> None: ...


@runtime_checkable
class GroupWriter(Protocol):
    """A writer whose writes into one object can go as one request: requests with the
    same :meth:`group_key` (not ``None``), ready at the same time, are written by one
    :meth:`write_group`, or deleted by one :meth:`delete_group` (several intentions
    toward one destination: one entry write)."""

    def group_key(self, request: WriteRequest) -> str | None: ...

    def write_group(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        """Write all of ``requests`` at once; one result each, in their order. A
        failure fails them all (nothing of the group is written)."""
        ...

    def delete_group(self, requests: Sequence[WriteRequest]) -> None:
        """Delete all of ``requests`` at once; a failure fails them all."""
        ...


class ObjectReads(Protocol[L_co]):
    """A provider's reads of one kind: one object by key, and every object's index in
    one list request."""

    def read(self, key: str, /) -> L_co | None: ...

    def list_indexes(self) -> Mapping[str, int]: ...


class WholeListReads(ObjectReads[L_co], Protocol[L_co]):
    """A provider whose list request answers whole objects (Consul's config entries)."""

    def read_every(self) -> Mapping[str, L_co]: ...


@dataclass(frozen=True)
class ProviderReads(Generic[L]):
    """A kind's ``read_one`` and ``read_all``: its provider's, ``client`` picking that
    provider from the run's :class:`Providers`."""

    client: Callable[[Providers], ObjectReads[L]]

    def one(self, providers: Providers, key: str) -> L | None:
        return self.client(providers).read(key)

    def indexes(self, providers: Providers) -> Mapping[str, int]:
        return self.client(providers).list_indexes()


@dataclass(frozen=True)
class EntryReads(ProviderReads[L]):
    """:class:`ProviderReads` and ``list_objects``: the whole objects of one list request."""

    client: Callable[[Providers], WholeListReads[L]]

    def objects(self, providers: Providers) -> Mapping[str, L]:
        return self.client(providers).read_every()


def modify_index(live: Indexed) -> int:
    """The index of a live object: its ModifyIndex."""
    return live.modify_index


def plain_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    """The desired body as it is (the planned body of a kind with nothing to drop)."""
    result: dict[str, Any] = plain(desired.body)
    return result


def no_replace(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """No attribute forces a replacement: everything changes in place."""
    return ()


def same_name(ident: str, expected: str) -> bool:
    """An import ID is the name itself."""
    return ident == expected


def by_name(address: Address) -> str:
    """The object a kind reads for ``address``: the one of its name."""
    return address.name


@dataclass(frozen=True)
class Kind(Generic[L]):
    """Everything about one resource kind. ``L`` is its live object as a provider reads it.

    * reading: ``read_key`` (which object an address needs), ``always_read`` (keys read
      whatever the configuration says, with their label), ``read_one``, ``read_all``
      (every object of the kind, key -> live index, in one list request): most kinds
      take both from their provider (:class:`ProviderReads`); ``list_objects`` (the
      whole objects, when the list request answers them: :class:`EntryReads`),
      ``index`` (a live object's index: its ModifyIndex unless said otherwise),
      ``settled`` (a stand-in for an object the list shows unchanged since the state
      recorded it, or None: it is read), ``live_of`` and ``with_live`` (its objects in a
      :class:`Refreshed`), ``rounds`` and ``second_rounds`` (its refresh requests, before
      and after the others' answers);
    * comparing: ``planned_body`` (the desired body as it is unless said otherwise),
      ``compare`` (desired vs live), ``replace_paths`` (what forces a replacement),
      ``live_view`` and ``drift`` (recorded vs live);
    * writing: ``writer`` (its check-and-set writes and deletes), ``index_of`` (the live
      index a saved plan checks), ``mark_live`` (import's ownership mark), ``owner``;
    * ``secret_items``: every item of its body is a secret (known after apply only);
      ``runs_allocations``: its writes start allocations and its deletes stop them, which
      apply can wait for (``--wait``: a job's rollout, its allocations stopping);
      ``shared_entry``: it is one part of a shared live object, which outlives it (a
      rollback re-creating it writes at the index the entry is at, not 0);
      ``import_where``: where ``ncplan import`` looks for it (for its "no object" error).
    """

    name: ResourceKind
    read_one: Callable[[Providers, str], L | None]
    read_all: Callable[[Providers], Mapping[str, int]]
    live_of: Callable[[Refreshed], Mapping[str, L | None]]
    with_live: Callable[[Refreshed, Mapping[str, L | None]], Refreshed]
    compare: Callable[[DesiredResource, ResourceState | None, Refreshed], Verdict]
    live_view: Callable[[Address, ResourceState, Refreshed], LiveView]
    owner: Callable[[Address, Refreshed], Owner]
    writer: Callable[[Providers, str], Writer]
    mark_live: Callable[[Providers, Address, str, int], int]
    drift: Callable[[ResourceState, LiveView, Refreshed], Drifted | None]
    index: Callable[[L], int] = modify_index
    planned_body: Callable[[DesiredResource, Refreshed | None], dict[str, Any]] = plain_body
    read_key: Callable[[Address], str] = by_name
    always_read: Mapping[str, str] = field(default_factory=dict)
    list_objects: Callable[[Providers], Mapping[str, L]] | None = None
    settled: Callable[[ReadContext, str, int], L | None] | None = None
    rounds: Callable[[Kind[L], ReadContext, Mapping[str, str]], Sequence[Round[Any]]] | None = None
    second_rounds: Callable[[ReadContext, Refreshed], Sequence[Round[Any]]] | None = None
    replace_paths: Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[str, ...]] = no_replace
    same_id: Callable[[str, str], bool] = same_name
    secret_items: bool = False
    runs_allocations: bool = False
    shared_entry: bool = False
    import_where: str = ""

    def first_rounds(self, context: ReadContext,
                     keys: Mapping[str, str]) -> Sequence[Round[Any]]:
        """Its first-round requests: ``keys`` (key -> label) read one by one, unless the
        kind says otherwise."""
        if self.rounds is not None:
            return self.rounds(self, context, keys)
        return (self.read_round(context, keys),)

    def listing(self, providers: Providers) -> Listing[L]:
        if self.list_objects is not None:
            objects = self.list_objects(providers)
            return Listing({key: self.index(live) for key, live in objects.items()}, objects,
                           whole=not is_partial(objects))
        indexes = self.read_all(providers)
        return Listing(indexes, whole=not is_partial(indexes))

    def permitted_listing(self, providers: Providers) -> Listing[L] | None:
        """Its list request; None when the token may not list (401, 403: ACLs off for
        tokens, or a policy without list rights): every object is then read on its own."""
        try:
            return self.listing(providers)
        except ProviderError as error:
            if error.status in (401, 403) and not isinstance(error, ProviderUnreachable):
                return None
            raise

    def known(self, context: ReadContext, key: str) -> L | None:
        """The object at ``key`` without a request of its own: from the kind's list, or
        its stand-in when the list shows it settled; None when it must be read."""
        listed = context.listed(self.name)
        if key in listed.objects:
            found: L = listed.objects[key]
            return found
        index = listed.indexes.get(key)
        if index is None or self.settled is None:
            return None
        return self.settled(context, key, index)

    def listed_absent(self, context: ReadContext, key: str) -> bool:
        """Whether the kind's list request answered whole and ``key`` is not in it: the
        object does not exist, and reading it one by one would only answer 404. A list ACLs
        filtered proves no absence: the object is read (and a refusal names it)."""
        listing = context.listings.get(self.name)
        return listing is not None and listing.whole and key not in listing.indexes

    def read_round(self, context: ReadContext, keys: Mapping[str, str]) -> Round[L | None]:
        """One read per key the list neither settled nor showed absent, stored with the
        listed ones as this kind's live objects (in ``keys``' order)."""
        read, providers = self.read_one, context.providers
        known = {key: self.known(context, key) for key in keys}
        tasks = {key: Task(label, _bound(read, providers, key))
                 for key, label in keys.items()
                 if known[key] is None and not self.listed_absent(context, key)}

        def store(refreshed: Refreshed, answers: Mapping[str, L | None]) -> Refreshed:
            return self.with_live(refreshed, {key: answers[key] if key in answers
                                              else known[key] for key in keys})
        return Round(tasks, store)

    def index_of(self, providers: Providers, address: Address) -> int:
        """The live index of the object at ``address`` now (0 when absent)."""
        live = self.read_one(providers, self.read_key(address))
        return self.index(live) if live is not None else 0


def check_index(address: str, planned: int, live: int) -> None:
    """Import's check-and-set: the object is still at the index the import read."""
    if planned != live:
        raise CheckAndSetConflict(f"{address} changed while it was imported (index {planned} "
                                  f"-> {live}); run import again")



def _bound(read: Callable[[Providers, str], T], providers: Providers,
           key: str) -> Callable[[], T]:
    return lambda: read(providers, key)
