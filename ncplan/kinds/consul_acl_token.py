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
from typing import Final

from ncplan.address import Address, token_address, variable_address
from ncplan.kinds.base import (
    Kind,
    LiveView,
    Owner,
    ProviderReads,
    ReadContext,
    Verdict,
    WriteRequest,
    WriteResult,
    plain_body,
)
from ncplan.kinds.compare import differs, entry_verdict, plain_drift, whole_view
from ncplan.kinds.nomad_job import live_owner
from ncplan.kinds.secrets import holds_marker
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveToken, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.state.model import ResourceState

NAME: Final = "consul_acl_token"
VARIABLE: Final = "nomad_variable"  # the kind holding its SecretID


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    """A sidecar token: its managed keys (description, service identity), never the secret."""
    after = plain_body(desired, refreshed)
    return entry_verdict(recorded, after, refreshed.acl_tokens.get(desired.name))


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    return whole_view(recorded, refreshed.acl_tokens.get(address.name))


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


#: The digest both stand-ins of a settled token and variable carry: the variable still
#: holds the SecretID apply wrote into it, read from that token (neither moved since).
SETTLED_SECRET = "unchanged since apply"


def unchanged(context: ReadContext, address: str, index: int) -> ResourceState | None:
    """The record of ``address`` when the object is listed at the index the state
    recorded and desired exactly as recorded (no value redacted in it), else None."""
    recorded, desired = context.recorded.get(address), context.wanted.get(address)
    if (recorded is None or desired is None or recorded.possibly_applied
            or recorded.observed_index != index or holds_marker(recorded.attributes)
            or differs(recorded.attributes, plain(desired.body))):
        return None
    return recorded


def settled_pair(context: ReadContext, name: str) -> tuple[ResourceState, ResourceState] | None:
    """Service ``name``'s token and variable records when both are unchanged since
    apply: a sidecar identity is settled whole or read whole, so the variable's digest
    is compared with its token's either way."""
    token_index = context.listed(NAME).indexes.get(name)
    variable_index = context.listed(VARIABLE).indexes.get(name)
    if token_index is None or variable_index is None:
        return None
    token = unchanged(context, token_address(name), token_index)
    variable = unchanged(context, variable_address(name), variable_index)
    return None if token is None or variable is None else (token, variable)


def settled(context: ReadContext, name: str, index: int) -> LiveToken | None:
    pair = settled_pair(context, name)
    if pair is None:
        return None
    return LiveToken(name=name, body=plain(pair[0].attributes), modify_index=index,
                     secret_digest=SETTLED_SECRET)


def no_mark(providers: Providers, address: Address, lineage: str, index: int) -> int:
    """A sidecar identity carries no mark of its own (it belongs to its job)."""
    return index


_READS: ProviderReads[LiveToken] = ProviderReads(lambda providers: providers.tokens)

KIND: Kind[LiveToken] = Kind(
    name=NAME,
    read_one=_READS.one,
    read_all=_READS.indexes,
    live_of=lambda refreshed: refreshed.acl_tokens,
    with_live=lambda refreshed, tokens: replace(refreshed, acl_tokens=tokens),
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=TokenWriter,
    mark_live=no_mark,
    settled=settled,
    drift=plain_drift,
    import_where="in Consul's ACL tokens",
)
