"""``consul_acl_token``: the Consul ACL token of a builtin sidecar (``/v1/acl/token``).

The token's AccessorID is derived from the service name
(:func:`~ncplan.resources.sidecar_identity.token_accessor_id`); ncplan creates it with
that AccessorID and lets Consul pick the SecretID. The SecretID leaves this module only
through :meth:`ConsulAclTokens.secret` (for the variable that hands it to the proxy):
live objects carry its SHA-256, errors never quote an answer holding it.

Consul 1.14 has no check-and-set for ACL tokens: a write reads the token first and goes
on only while its ModifyIndex is still the one the plan saw (absent for a create), which
narrows the race to the time between that read and the write. Deleting a token that is
already gone succeeds (Consul answers ``true``). Consul answers 403 ``ACL not found`` to
a read of an unknown AccessorID, and also to any request made with an unknown token: the
caller's own token (``/v1/acl/token/self``) tells the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ncplan.address import token_address
from ncplan.errors import ProviderError
from ncplan.providers.consul_config import acl_filtered, conflict, consul_client
from ncplan.providers.listed import Listed
from ncplan.providers.live import LiveToken
from ncplan.providers.secret_decoding import digest, index_of, secret_json, secret_json_list
from ncplan.resources.sidecar_identity import token_accessor_id
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, Answer, RetryPolicy, refusals_at

MANAGED_KEYS = ("AccessorID", "Description", "ServiceIdentities")
NOT_FOUND = "ACL not found"


def parse_token(name: str, payload: Mapping[str, Any]) -> LiveToken:
    """``GET /v1/acl/token/:id``'s (or a write's) answer as :class:`LiveToken`."""
    where = f"{token_address(name)}: Consul's token"
    secret = payload.get("SecretID")
    body = {key: payload[key] for key in MANAGED_KEYS if key in payload}
    identities = body.get("ServiceIdentities")
    if isinstance(identities, list):  # Consul does not keep the order they were sent in
        body["ServiceIdentities"] = sorted(identities, key=lambda i: str(i.get("ServiceName")))
    return LiveToken(name=name, body=body, modify_index=index_of(payload, where),
                     secret_digest=digest(secret) if isinstance(secret, str) else "")


def token_path(name: str) -> str:
    return "/v1/acl/token/" + quote(token_accessor_id(name), safe="")


class ConsulAclTokens:
    """Sidecar identity tokens on one Consul (the ``consul`` block and environment)."""

    def __init__(self, settings: ConsulHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.client = consul_client(settings, timeout=timeout, retry=retry)

    def read(self, name: str) -> LiveToken | None:
        """Service ``name``'s token, or None when Consul has no token of its AccessorID."""
        payload = self._payload(name)
        return None if payload is None else parse_token(name, payload)

    def list_indexes(self) -> Listed[int]:
        """Every sidecar identity token, by service name, with its ModifyIndex: one
        ``GET /v1/acl/tokens``, keeping the tokens whose AccessorID is the one ncplan
        derives from their service identity's name."""
        path = "/v1/acl/tokens"
        with refusals_at("Consul ACL tokens"):
            answer = self.client.call("GET", path)
        found: Listed[int] = Listed(
            partial=acl_filtered(self.client, answer))
        for token in secret_json_list(answer.text, f"Consul GET {path}"):
            for identity in token.get("ServiceIdentities") or ():
                name = identity.get("ServiceName") if isinstance(identity, Mapping) else None
                if isinstance(name, str) and token.get("AccessorID") == token_accessor_id(name):
                    found[name] = index_of(token, f"{token_address(name)}: Consul GET {path}")
        return found

    def secret(self, name: str) -> str:
        """The token's SecretID (only for writing it into its variable: never log it)."""
        payload = self._payload(name)
        secret = None if payload is None else payload.get("SecretID")
        if not isinstance(secret, str) or len(secret) != 36:
            raise ProviderError(
                f"{token_address(name)}: Consul did not reveal the token's SecretID",
                hint='the token in CONSUL_HTTP_TOKEN needs acl = "write" to read it '
                     "(examples/acl/sidecar-identities.consul-policy.hcl)")
        return secret

    def write(self, name: str, body: Mapping[str, Any], expected_index: int) -> LiveToken:
        """Create (``expected_index`` 0: absent) or update the token; the token after."""
        address = token_address(name)
        with refusals_at(address):
            live = self.read(name)
            now = None if live is None else live.modify_index
            if (now or 0) != expected_index:
                raise conflict(address, expected_index, now)
            path = "/v1/acl/token" if live is None else token_path(name)
            sent = {**body, "AccessorID": token_accessor_id(name)}
            answer = self.client.call("PUT", path, body=sent)
        return parse_token(name, secret_json(answer.text, f"{address}: Consul PUT {path}"))

    def delete(self, name: str, expected_index: int) -> None:
        """Revoke the token while it is still at ``expected_index`` (gone: done)."""
        address = token_address(name)
        with refusals_at(address):
            live = self.read(name)
            if live is None:
                return
            if live.modify_index != expected_index:
                raise conflict(address, expected_index, live.modify_index)
            self.client.call("DELETE", token_path(name))

    def _payload(self, name: str) -> dict[str, Any] | None:
        path = token_path(name)
        with refusals_at(token_address(name)):
            answer = self.client.call("GET", path, accept=(200, 403))
            if answer.status == 403:
                self._absent_or_refused(answer)
                return None
        return secret_json(answer.text, f"{token_address(name)}: Consul GET {path}")

    def _absent_or_refused(self, answer: Answer) -> None:
        """Returns when a 403 ``ACL not found`` means an absent token (the caller's own
        token is valid); raises the refusal otherwise."""
        if NOT_FOUND in answer.text:
            own = self.client.call("GET", "/v1/acl/token/self", accept=(200, 403))
            if own.status == 200:
                return
        raise self.client.failure(answer, needs='acl = "read"')
