"""A thin Consul HTTP client for the state backend: KV, transactions, sessions.

Only what the backend needs, over requests (the transaction API's ``check-session``
verb and raw bytes are not first-class in py-consul). Every requests error and every
unexpected status becomes a :class:`StateError` here, with ``raise ... from``; so does an
answer that is not JSON or not of the shape Consul gives (each names the address and the
endpoint).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from ncplan.errors import StateError
from ncplan.transport import tls
from ncplan.transport.acl_needs import capability_needed
from ncplan.transport.consul import ConsulHttpSettings, json_answer, wrong_shape
from ncplan.transport.http import connection_reason

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
                 ok_statuses: tuple[int, ...] = (200,),
                 timeout: float = TIMEOUT) -> requests.Response:
        query = dict(params or {})
        if self.settings.datacenter:
            query["dc"] = self.settings.datacenter
        url = f"{self.settings.address}/v1/{path}"
        self._check_ca_file()
        try:
            # verify on every request: else REQUESTS_CA_BUNDLE beats CONSUL_CACERT
            response = self._http.request(method, url, params=query, data=data, json=json_body,
                                          timeout=timeout, verify=self._http.verify)
        except requests.exceptions.SSLError as error:
            reason = tls.describe_failure(connection_reason(error), self.settings.address,
                                          self.settings.ca_cert, "CONSUL_CACERT")
            raise StateError(f"TLS with Consul at {self.settings.address} failed: {reason}",
                             hint="set CONSUL_CACERT to the CA certificate that signed the "
                                  "agent's certificate") from error
        except requests.RequestException as error:
            raise StateError(f"cannot reach Consul at {self.settings.address}: "
                             f"{_reason(error, timeout)}",
                             hint="check the consul block's address or CONSUL_HTTP_ADDR"
                             ) from error
        if response.status_code not in ok_statuses:
            body = response.text.strip()[:300]
            needs = capability_needed("Consul", method, f"/v1/{path}", query, json_body) \
                if response.status_code in (401, 403) else None
            raise StateError(f"Consul {method} /v1/{path} failed: "
                             f"HTTP {response.status_code}: {body}"
                             + (f": the token needs {needs}" if needs else ""))
        return response

    def _check_ca_file(self) -> None:
        settings = self.settings
        missing = settings.verify and settings.ca_cert and tls.ca_file_error(
            "Consul", settings.address, settings.ca_cert, "CONSUL_CACERT")
        if missing:
            raise StateError(missing.message, hint=missing.hint)

    def _json(self, response: requests.Response) -> Any:
        return json_answer(response, address=self.settings.address,
                           endpoint=_endpoint(response), error=StateError)

    def _shape(self, response: requests.Response, expected: str, got: Any) -> StateError:
        error = wrong_shape(address=self.settings.address, endpoint=_endpoint(response),
                            expected=expected, got=got, error=StateError)
        assert isinstance(error, StateError)
        return error

    def _bool(self, response: requests.Response) -> bool:
        doc = self._json(response)
        if not isinstance(doc, bool):
            raise self._shape(response, "true or false", doc)
        return doc

    # KV
    def get(self, key: str) -> KVEntry | None:
        response = self._request("GET", f"kv/{key}", ok_statuses=(200, 404))
        if response.status_code == 404:
            return None
        doc = self._json(response)
        item = doc[0] if isinstance(doc, list) and doc else None
        if not isinstance(item, dict):
            raise self._shape(response, "a list of one KV entry", doc)
        return self._entry(response, item)

    def _entry(self, response: requests.Response, item: dict[str, Any]) -> KVEntry:
        raw, index, session = item.get("Value"), item.get("ModifyIndex"), item.get("Session")
        if not isinstance(item.get("Key"), str) or not isinstance(index, int) \
                or not isinstance(raw, str | None) or not isinstance(session, str | None):
            raise self._shape(response, "a KV entry with Key, ModifyIndex and Value", item)
        try:
            value = base64.b64decode(raw, validate=True) if raw else b""
        except ValueError as error:
            raise self._shape(response, "a base64 Value", raw) from error
        return KVEntry(key=item["Key"], value=value, modify_index=index, session=session)

    def keys(self, prefix: str) -> list[str]:
        response = self._request("GET", f"kv/{prefix}", params={"keys": ""},
                                 ok_statuses=(200, 404))
        if response.status_code == 404:
            return []
        doc = self._json(response)
        if not isinstance(doc, list) or not all(isinstance(key, str) for key in doc):
            raise self._shape(response, "a list of keys", doc)
        return list(doc)

    def put(self, key: str, value: bytes, *, acquire: str | None = None,
            cas: int | None = None) -> bool:
        params: dict[str, Any] = {}
        if acquire is not None:
            params["acquire"] = acquire
        if cas is not None:
            params["cas"] = cas
        return self._bool(self._request("PUT", f"kv/{key}", params=params, data=value))

    def delete(self, key: str, *, recurse: bool = False, cas: int | None = None) -> bool:
        """Delete ``key`` (with ``cas``: only while its ModifyIndex is still ``cas``)."""
        params: dict[str, Any] = {}
        if recurse:
            params["recurse"] = ""
        if cas is not None:
            params["cas"] = cas
        return self._bool(self._request("DELETE", f"kv/{key}", params=params))

    def txn(self, ops: list[dict[str, Any]]) -> TxnResult:
        """Run KV operations atomically; values in ``ops`` are bytes, encoded here."""
        response = self._request("PUT", "txn", json_body=txn_body(ops), ok_statuses=(200, 409))
        doc = self._json(response)
        results = doc.get("Results") if isinstance(doc, dict) else None
        errors = doc.get("Errors") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not isinstance(results, list | None) \
                or not isinstance(errors, list | None) \
                or not all(isinstance(item, dict) for item in (results or []) + (errors or [])):
            raise self._shape(response, "an object with Results and Errors lists", doc)
        ok = response.status_code == 200
        if ok and not all(isinstance(r.get("KV"), dict)
                          and isinstance(r["KV"].get("ModifyIndex"), int) for r in results or []):
            raise self._shape(response, "Results of KV entries with a ModifyIndex", results)
        return TxnResult(ok=ok, results=tuple(results or ()), errors=tuple(errors or ()))

    # sessions
    def session_create(self, *, name: str, ttl: str, behavior: str = "delete",
                       lock_delay: str = "0s") -> str:
        body = {"Name": name, "TTL": ttl, "Behavior": behavior, "LockDelay": lock_delay}
        response = self._request("PUT", "session/create", json_body=body)
        doc = self._json(response)
        if not isinstance(doc, dict) or not isinstance(doc.get("ID"), str):
            raise self._shape(response, "an object with the session ID", doc)
        return str(doc["ID"])

    def session_renew(self, session: str, *, timeout: float = TIMEOUT) -> bool:
        """True when renewed; False when the session is gone (invalidated or destroyed)."""
        response = self._request("PUT", f"session/renew/{session}", ok_statuses=(200, 404),
                                 timeout=timeout)
        if response.status_code == 404:
            return False
        doc = self._json(response)
        if not isinstance(doc, list):
            raise self._shape(response, "a list of sessions", doc)
        return bool(doc)

    def session_destroy(self, session: str) -> None:
        self._bool(self._request("PUT", f"session/destroy/{session}"))


def txn_body(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON body of a transaction: each op under ``KV``, bytes values in base64.

    Consul limits the whole body (``txn_max_req_len``, 512 KiB by default), so a value
    sent in a transaction counts 4/3 of its size.
    """
    body = []
    for op in ops:
        kv = dict(op)
        if isinstance(kv.get("Value"), bytes):
            kv["Value"] = base64.b64encode(kv["Value"]).decode()
        body.append({"KV": kv})
    return body


def _endpoint(response: requests.Response) -> str:
    """``METHOD /v1/path`` of the request this answers (without the query)."""
    request = response.request
    path = urlsplit(request.url or "").path if request is not None else ""
    method = request.method if request is not None else ""
    return f"{method} {path}".strip()


def _reason(error: requests.RequestException, timeout: float) -> str:
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS error (check CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY)"
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or host unreachable"
    return type(error).__name__
