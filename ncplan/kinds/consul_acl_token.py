"""``consul_acl_token``: the Consul ACL token of a builtin service's sidecar.

* lowering: :func:`ncplan.resources.sidecar_identity.token_body` (its AccessorID derived
  from the service name, a description and the service identity);
* reading: ``GET /v1/acl/token/:AccessorID`` (the SecretID kept only as its SHA-256),
  every sidecar token at once by ``GET /v1/acl/tokens``;
* comparing: its managed keys (description, service identity), never the secret;
* writing: created or updated while its ModifyIndex is the one the plan saw (Consul has
  no check-and-set for tokens: read, compare, write); a delete revokes it;
* ownership: the token belongs to its job: its owner is the job's; import does not write
  it (no mark of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from ncplan.address import Address
from ncplan.kinds.base import Kind, LiveView, Owner, Verdict, WriteRequest, WriteResult
from ncplan.kinds.compare import entry_verdict, plain_drift, whole_view
from ncplan.kinds.nomad_job import live_owner
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveToken, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState

NAME: Final = "consul_acl_token"


def planned_body(desired: DesiredResource, refreshed: Refreshed | None) -> dict[str, Any]:
    result: dict[str, Any] = plain(desired.body)
    return result


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    """A sidecar token: its managed keys (description, service identity), never the secret."""
    live = refreshed.acl_tokens.get(desired.name)
    return entry_verdict(recorded, planned_body(desired, refreshed),
                         live.body if live is not None else None,
                         live.modify_index if live is not None else 0)


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    live = refreshed.acl_tokens.get(address.name)
    return whole_view(recorded, live.body if live is not None else None,
                      live.modify_index if live is not None else 0)


def belongs_to_job(live: Mapping[str, object | None], address: Address,
                   refreshed: Refreshed) -> Owner:
    """A sidecar identity's owner: absent with its object, else its job's owner."""
    if live.get(address.name) is None:
        return Owner(exists=False)
    return Owner(True, live_owner(address.name, refreshed).lineage)


def owner(address: Address, refreshed: Refreshed) -> Owner:
    return belongs_to_job(refreshed.acl_tokens, address, refreshed)


class TokenWriter:
    """Created or updated while its ModifyIndex is the planned one; a delete revokes it."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.tokens = providers.tokens

    def write(self, request: WriteRequest) -> WriteResult:
        live = self.tokens.write(request.name, request.body or {}, request.observed_index)
        return WriteResult(live.modify_index)

    def delete(self, request: WriteRequest) -> None:
        self.tokens.delete(request.name, request.observed_index)


def no_mark(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """A sidecar identity carries no mark of its own (it belongs to its job)."""
    return index


def _read(providers: Providers, name: str) -> LiveToken | None:
    return providers.tokens.read(name)


def _read_all(providers: Providers) -> Mapping[str, int]:
    return providers.tokens.list_indexes()


def _with_live(refreshed: Refreshed, tokens: Mapping[str, LiveToken | None]) -> Refreshed:
    return replace(refreshed, acl_tokens=tokens)


KIND: Kind[LiveToken] = Kind(
    name=NAME,
    read_one=_read,
    read_all=_read_all,
    live_of=lambda refreshed: refreshed.acl_tokens,
    with_live=_with_live,
    index=lambda live: live.modify_index,
    planned_body=planned_body,
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=TokenWriter,
    mark_live=no_mark,
    drift=plain_drift,
    import_where="in Consul's ACL tokens",
)
