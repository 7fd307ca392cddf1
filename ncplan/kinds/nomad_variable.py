"""``nomad_variable``: the Nomad Variable ``nomad/jobs/NAME`` holding a sidecar's token.

* lowering: :func:`ncplan.resources.sidecar_identity.variable_body` (its path, and the
  token item unknown until apply);
* reading: ``GET /v1/var/nomad/jobs/NAME`` (item names and the SHA-256 of each value,
  never a value), every such variable at once by ``GET /v1/vars?prefix=nomad/jobs/``;
* comparing: up to date when it holds its token's SecretID (their digests match);
* writing: the token's SecretID, read from Consul at apply time (after the token, which
  it depends on), written with ``?cas=``; the state records the planned body, whose item
  is ``None``, never the secret;
* secrets: every item (known after apply only);
* ownership: the variable belongs to its job, as its token does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ncplan.address import Address, token_address
from ncplan.kinds.base import (
    Action,
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
from ncplan.kinds.compare import ADOPTED, DELETED, differs, plain_drift, whole_view
from ncplan.kinds.consul_acl_token import SETTLED_SECRET, belongs_to_job, no_mark, settled_pair
from ncplan.providers.clients import Providers
from ncplan.providers.live import LiveVariable, Refreshed
from ncplan.resources.desired import DesiredResource
from ncplan.resources.plain import plain
from ncplan.resources.sidecar_identity import TOKEN_ITEM
from ncplan.state.model import ResourceState

NAME: Final = "nomad_variable"
NEW_TOKEN = "its token will be created: the variable gets the new SecretID"
OTHER_TOKEN = ("it does not hold the SecretID of {token}: it gets it (the job's proxy "
               "restarts onto it)")


def compare(desired: DesiredResource, recorded: ResourceState | None,
            refreshed: Refreshed) -> Verdict:
    """Up to date when it holds its token's SecretID (their SHA-256 digests match); the
    secret itself is never in ``before`` or ``after``."""
    live = refreshed.variables.get(desired.name)
    after = plain_body(desired, refreshed)
    if live is None:
        return Verdict(Action.CREATE, after=after,
                       reason=DELETED if recorded is not None else "")
    token = refreshed.acl_tokens.get(desired.name)
    held = live.item_digests.get(TOKEN_ITEM)
    seen = Verdict(Action.UPDATE, before=plain(live.body), after=after,
                   observed_index=live.modify_index)
    if token is None:
        return replace(seen, reason=NEW_TOKEN)
    if held != token.secret_digest or differs(live.body, after):
        return replace(seen, reason=OTHER_TOKEN.format(token=token_address(desired.name)))
    reason = ADOPTED.format(where="Nomad") if recorded is None else ""
    return replace(seen, action=Action.NOOP, reason=reason)


def live_view(address: Address, recorded: ResourceState, refreshed: Refreshed) -> LiveView:
    return whole_view(recorded, refreshed.variables.get(address.name))


def owner(address: Address, refreshed: Refreshed) -> Owner:
    return belongs_to_job(refreshed.variables, address, refreshed)


class VariableWriter:
    """The SecretID of the service's token, written with ``?cas=``."""

    def __init__(self, providers: Providers, lineage: str) -> None:
        self.variables = providers.variables
        self.tokens = providers.tokens

    def write(self, request: WriteRequest) -> WriteResult:
        items = {TOKEN_ITEM: self.tokens.secret(request.name)}
        return WriteResult(self.variables.write(request.name, items, request.observed_index))

    def delete(self, request: WriteRequest) -> None:
        self.variables.delete(request.name, request.observed_index)


def settled(context: ReadContext, name: str, index: int) -> LiveVariable | None:
    pair = settled_pair(context, name)
    if pair is None:
        return None
    return LiveVariable(name=name, body=plain(pair[1].attributes), modify_index=index,
                        item_digests={TOKEN_ITEM: SETTLED_SECRET})


_READS: ProviderReads[LiveVariable] = ProviderReads(lambda providers: providers.variables)

KIND: Kind[LiveVariable] = Kind(
    name=NAME,
    read_one=_READS.one,
    read_all=_READS.indexes,
    live_of=lambda refreshed: refreshed.variables,
    with_live=lambda refreshed, variables: replace(refreshed, variables=variables),
    compare=compare,
    live_view=live_view,
    owner=owner,
    writer=VariableWriter,
    mark_live=no_mark,
    settled=settled,
    drift=plain_drift,
    secret_items=True,
    import_where="in Nomad's variables",
)
