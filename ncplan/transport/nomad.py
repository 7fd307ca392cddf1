"""How to reach Nomad: address, region, namespace, ACL token and TLS, from config and env.

The ``nomad`` block's ``address``, ``region`` and ``namespace`` win over ``NOMAD_ADDR``,
``NOMAD_REGION`` and ``NOMAD_NAMESPACE``; the token comes only from ``NOMAD_TOKEN``
(tokens are never read from config files); TLS from ``NOMAD_CACERT``,
``NOMAD_CLIENT_CERT``, ``NOMAD_CLIENT_KEY`` and ``NOMAD_SKIP_VERIFY``. Certificates are
verified by default (python-nomad's own default is not to verify, and it ignores
``NOMAD_CACERT``: ncplan passes them explicitly).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from ncplan.config.model import DEFAULT_NOMAD_ADDRESS, NomadSettings
from ncplan.transport import tls
from ncplan.transport.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    Api,
    ConflictTest,
    HttpClient,
    RetryPolicy,
)

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class NomadHttpSettings:
    address: str = DEFAULT_NOMAD_ADDRESS
    region: str | None = None
    namespace: str | None = None
    token: str | None = None
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True
    pool_size: int = tls.DEFAULT_POOL_SIZE  # connections kept alive: --parallelism

    @classmethod
    def resolve(cls, block: NomadSettings | None = None,
                env: Mapping[str, str] | None = None) -> NomadHttpSettings:
        """The settings for this run: the ``nomad`` block beats the environment."""
        env = os.environ if env is None else env
        block = block or NomadSettings()
        raw = block.address or env.get("NOMAD_ADDR") or DEFAULT_NOMAD_ADDRESS
        if "://" not in raw:
            raw = "http://" + raw
        return cls(
            address=raw.rstrip("/"),
            region=block.region or env.get("NOMAD_REGION") or None,
            namespace=block.namespace or env.get("NOMAD_NAMESPACE") or None,
            token=env.get("NOMAD_TOKEN") or None,
            ca_cert=env.get("NOMAD_CACERT") or None,
            client_cert=env.get("NOMAD_CLIENT_CERT") or None,
            client_key=env.get("NOMAD_CLIENT_KEY") or None,
            verify=env.get("NOMAD_SKIP_VERIFY", "").lower() not in _TRUE,
        )

    @property
    def query(self) -> dict[str, str]:
        """``region`` and ``namespace`` query parameters, sent with every request."""
        params = {"region": self.region, "namespace": self.namespace}
        return {key: value for key, value in params.items() if value}

    def session(self) -> requests.Session:
        """A requests session with the token header and TLS settings applied."""
        return tls.session("Nomad", self.address, token_header="X-Nomad-Token",
                           token=self.token, verify=self.verify, ca_cert=self.ca_cert,
                           client_cert=self.client_cert, client_key=self.client_key,
                           unverify_variable="NOMAD_SKIP_VERIFY=true",
                           pool_size=self.pool_size)

    def client(self, *, timeout: float = DEFAULT_TIMEOUT, retry: RetryPolicy = DEFAULT_RETRY,
               is_conflict: ConflictTest | None = None) -> HttpClient:
        """An :class:`HttpClient` for this Nomad, region and namespace on every request."""
        api = Api("Nomad", self.address, "NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT",
                  has_token=self.token is not None, ca_file=self.ca_cert)
        return HttpClient(api, self.session(), timeout=timeout, retry=retry,
                          default_params=self.query, is_conflict=is_conflict)
