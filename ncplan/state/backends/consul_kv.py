"""A thin Consul HTTP client for the state backend: KV, transactions, sessions.

Only what the backend needs, over requests (the transaction API's ``check-session``
verb and raw bytes are not first-class in py-consul). Every requests error and every
unexpected status becomes a :class:`StateError` here, with ``raise ... from``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import requests

from ncplan.errors import StateError
from ncplan.providers.consul_http import ConsulHttpSettings

TIMEOUT = 30.0


@dataclass(frozen=True)
class KVEntry:
    key: str
    value: bytes
    modify_index: int
    session: str | None = None


@dataclass(frozen=True)
class TxnResult:
    ok: bool
    results: tuple[dict[str, Any], ...]
    errors: tuple[dict[str, Any], ...]


class ConsulKV:
    def __init__(self, settings: ConsulHttpSettings) -> None:
        self.settings = settings
        self._http = settings.session()

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                 data: bytes | None = None, json_body: Any = None,
                 ok_statuses: tuple[int, ...] = (200,)) -> requests.Response:
        query = dict(params or {})
        if self.settings.datacenter:
            query["dc"] = self.settings.datacenter
        url = f"{self.settings.address}/v1/{path}"
        try:
            response = self._http.request(method, url, params=query, data=data, json=json_body,
                                          timeout=TIMEOUT)
        except requests.RequestException as error:
            raise StateError(f"cannot reach Consul at {self.settings.address}: "
                             f"{_reason(error)}",
                             hint="check the consul block's address or CONSUL_HTTP_ADDR"
                             ) from error
        if response.status_code not in ok_statuses:
            body = response.text.strip()[:300]
            raise StateError(f"Consul {method} /v1/{path} failed: "
                             f"HTTP {response.status_code}: {body}")
        return response

    # KV
    def get(self, key: str) -> KVEntry | None:
        response = self._request("GET", f"kv/{key}", ok_statuses=(200, 404))
        if response.status_code == 404:
            return None
        item = response.json()[0]
        raw = item.get("Value")
        return KVEntry(key=item["Key"], value=base64.b64decode(raw) if raw else b"",
                       modify_index=int(item["ModifyIndex"]), session=item.get("Session"))

    def keys(self, prefix: str) -> list[str]:
        response = self._request("GET", f"kv/{prefix}", params={"keys": ""},
                                 ok_statuses=(200, 404))
        return [] if response.status_code == 404 else list(response.json())

    def put(self, key: str, value: bytes, *, acquire: str | None = None,
            cas: int | None = None) -> bool:
        params: dict[str, Any] = {}
        if acquire is not None:
            params["acquire"] = acquire
        if cas is not None:
            params["cas"] = cas
        return bool(self._request("PUT", f"kv/{key}", params=params, data=value).json())

    def delete(self, key: str, *, recurse: bool = False) -> None:
        self._request("DELETE", f"kv/{key}", params={"recurse": ""} if recurse else None)

    def txn(self, ops: list[dict[str, Any]]) -> TxnResult:
        """Run KV operations atomically; values in ``ops`` are bytes, encoded here."""
        body = []
        for op in ops:
            kv = dict(op)
            if isinstance(kv.get("Value"), bytes):
                kv["Value"] = base64.b64encode(kv["Value"]).decode()
            body.append({"KV": kv})
        response = self._request("PUT", "txn", json_body=body, ok_statuses=(200, 409))
        doc = response.json()
        return TxnResult(ok=response.status_code == 200,
                         results=tuple(doc.get("Results") or ()),
                         errors=tuple(doc.get("Errors") or ()))

    # sessions
    def session_create(self, *, name: str, ttl: str, behavior: str = "delete",
                       lock_delay: str = "0s") -> str:
        body = {"Name": name, "TTL": ttl, "Behavior": behavior, "LockDelay": lock_delay}
        return str(self._request("PUT", "session/create", json_body=body).json()["ID"])

    def session_renew(self, session: str) -> bool:
        """True when renewed; False when the session is gone (invalidated or destroyed)."""
        response = self._request("PUT", f"session/renew/{session}", ok_statuses=(200, 404))
        return response.status_code == 200 and bool(response.json())

    def session_destroy(self, session: str) -> None:
        self._request("PUT", f"session/destroy/{session}")


def _reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS error (check CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY)"
    if isinstance(error, requests.Timeout):
        return f"no answer within {TIMEOUT:.0f}s"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or host unreachable"
    return type(error).__name__
