"""How to reach Consul over HTTP: address, ACL token and TLS, from the config and the env.

The ``consul`` block's ``address`` wins over ``CONSUL_HTTP_ADDR``; the token and TLS
settings come only from the environment (tokens are never read from config files):
``CONSUL_HTTP_TOKEN`` (else the contents of ``CONSUL_HTTP_TOKEN_FILE``),
``CONSUL_CACERT``, ``CONSUL_CLIENT_CERT``, ``CONSUL_CLIENT_KEY``,
``CONSUL_HTTP_SSL_VERIFY`` (``false`` turns verification off) and ``CONSUL_HTTP_SSL``
(``true``: an address without a scheme means https).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ncplan.config.model import DEFAULT_CONSUL_ADDRESS
from ncplan.errors import NcplanError, ProviderError
from ncplan.transport import tls
from ncplan.transport.http import one_line

_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ConsulHttpSettings:
    address: str = DEFAULT_CONSUL_ADDRESS
    token: str | None = None
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True
    datacenter: str | None = None
    pool_size: int = tls.DEFAULT_POOL_SIZE  # connections kept alive: --parallelism

    @classmethod
    def resolve(cls, address: str | None = None, datacenter: str | None = None,
                env: Mapping[str, str] | None = None) -> ConsulHttpSettings:
        """The settings for this run: ``address`` (from the config) beats the environment."""
        env = os.environ if env is None else env
        ssl = env.get("CONSUL_HTTP_SSL", "").lower() in _TRUE
        raw = address or env.get("CONSUL_HTTP_ADDR") or DEFAULT_CONSUL_ADDRESS
        if "://" not in raw:
            raw = ("https://" if ssl else "http://") + raw
        token = env.get("CONSUL_HTTP_TOKEN") or None
        token_file = env.get("CONSUL_HTTP_TOKEN_FILE")
        if token is None and token_file:
            try:
                token = Path(token_file).read_text().strip() or None
            except OSError as error:
                raise ProviderError(f"CONSUL_HTTP_TOKEN_FILE {token_file}: cannot read it: "
                                    f"{error.strerror}") from error
        return cls(
            address=raw.rstrip("/"),
            token=token,
            ca_cert=env.get("CONSUL_CACERT") or None,
            client_cert=env.get("CONSUL_CLIENT_CERT") or None,
            client_key=env.get("CONSUL_CLIENT_KEY") or None,
            verify=env.get("CONSUL_HTTP_SSL_VERIFY", "").lower() not in _FALSE,
            datacenter=datacenter,
        )

    def session(self) -> requests.Session:
        """A requests session with the token header and TLS settings applied."""
        return tls.session("Consul", self.address, token_header="X-Consul-Token",
                           token=self.token, verify=self.verify, ca_cert=self.ca_cert,
                           client_cert=self.client_cert, client_key=self.client_key,
                           unverify_variable="CONSUL_HTTP_SSL_VERIFY=false",
                           pool_size=self.pool_size)


def json_answer(response: requests.Response, *, address: str, endpoint: str,
                error: type[NcplanError] = ProviderError) -> Any:
    """The decoded JSON body of a Consul answer; a located ``error`` when it is not JSON."""
    try:
        return response.json()
    except ValueError as cause:
        raise error(f"Consul at {address} answered {endpoint} with HTTP "
                    f"{response.status_code} but a body that is not JSON: "
                    f"{excerpt(response.text)}",
                    hint="check that the address points at Consul's HTTP API") from cause


def wrong_shape(*, address: str, endpoint: str, expected: str, got: Any,
                error: type[NcplanError] = ProviderError) -> NcplanError:
    """A located error for a JSON answer that does not have the shape Consul gives."""
    return error(f"Consul at {address} answered {endpoint} with JSON of an unexpected shape: "
                 f"expected {expected}, got {excerpt(repr(got))}",
                 hint="check that the address points at Consul's HTTP API")


def excerpt(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters (an empty body says so)."""
    return one_line(text, limit) or "(empty body)"
