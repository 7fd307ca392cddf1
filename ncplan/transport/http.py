"""The one HTTP policy of the Nomad and Consul providers: timeouts, retries, error mapping.

Every provider request goes through :meth:`HttpClient.call`, which

* sends it with a per-request timeout (default 10 s);
* retries connection failures and 5xx answers that are not check-and-set conflicts
  (a write only when it never reached the agent: after a read timeout or a dropped
  connection it may have happened), with exponential backoff (3 tries, 0.2 s doubling,
  at most 2 s between tries); a 4xx is never retried, nor is a TLS verification failure;
* maps every failure to ncplan's errors: :class:`ProviderUnreachable` names the address
  and the variable that sets it, a 403 names the API that refused and the token variable,
  anything else quotes the API's own message; a body that is not the JSON expected is a
  located :class:`ProviderError`, never a ``JSONDecodeError``.

Nothing above providers/ imports requests: this module is where its exceptions end.

``NCPLAN_HTTP_STATS=FILE`` appends one line per request sent (API name, method, path,
status or ``-`` when no answer came, seconds) to FILE: the benchmarks count requests with
it (bench/run.py). It changes nothing else.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
import urllib3

from ncplan.errors import CheckAndSetConflict, ProviderError, ProviderUnreachable
from ncplan.jsontypes import kind_name, value_kind
from ncplan.transport import tls
from ncplan.transport.acl_needs import capability_needed

DEFAULT_TIMEOUT = 10.0
_QUOTE_LIMIT = 600
STATS_ENV = "NCPLAN_HTTP_STATS"
_stats_lock = threading.Lock()

T = TypeVar("T")

DEFAULT_PARALLELISM = 10  # --parallelism: how many requests run at once, reading or writing


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed request is sent again."""

    tries: int = 3
    backoff: float = 0.2  # seconds before the second try; doubles after each try
    max_backoff: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        return float(min(self.backoff * (2 ** (attempt - 1)), self.max_backoff))


DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class Api:
    """Which API a client talks to, for error messages: ``Api("Nomad", addr, ...)``."""

    name: str  # "Nomad" | "Consul"
    address: str  # scheme://host:port, no trailing slash
    address_env: str  # "NOMAD_ADDR" | "CONSUL_HTTP_ADDR"
    token_env: str  # "NOMAD_TOKEN" | "CONSUL_HTTP_TOKEN"
    ca_env: str  # "NOMAD_CACERT" | "CONSUL_CACERT"
    has_token: bool = False
    ca_file: str | None = None  # the CA certificate verified against, when one is set


ConflictTest = Callable[[int, str], bool]  # (status, body) -> is a check-and-set conflict


def _never(status: int, body: str) -> bool:
    return False


@dataclass(frozen=True)
class Answer:
    """An API's answer, detached from requests: status, headers and body text."""

    method: str
    path: str
    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)
    api_name: str = "the API"

    def json(self, expect: type[T]) -> T:
        """The body as JSON of type ``expect`` (dict, list, bool...), else a ProviderError."""
        where = f"{self.api_name} {self.method} {self.path}"
        try:
            value = json.loads(self.text)
        except json.JSONDecodeError as error:
            raise ProviderError(f"{where} answered {self.status} with a body that is not "
                                f"JSON ({error.msg} at character {error.pos}): "
                                f"{one_line(self.text)}", status=self.status,
                                body=self.text) from error
        if not isinstance(value, expect):
            raise ProviderError(f"{where} answered {self.status} with "
                                f"{value_kind(value)}, expected {kind_name(expect)}: "
                                f"{one_line(self.text)}", status=self.status, body=self.text)
        return value

    def index(self, header: str) -> int | None:
        """A blocking-query index header (``X-Nomad-Index``, ``X-Consul-Index``) as int."""
        raw = self.headers.get(header)
        return int(raw) if raw and raw.isdigit() else None


class HttpClient:
    """Requests to one API over one session, under the policy in the module docstring."""

    def __init__(self, api: Api, session: requests.Session, *,
                 timeout: float = DEFAULT_TIMEOUT, retry: RetryPolicy = DEFAULT_RETRY,
                 default_params: Mapping[str, str] | None = None,
                 is_conflict: ConflictTest | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.session = session
        self.timeout = timeout
        self.retry = retry
        self.default_params = dict(default_params or {})
        self.is_conflict = is_conflict or _never
        self._sleep = sleep

    def call(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
             body: Any = None, accept: Collection[int] = (200,),
             timeout: float | None = None) -> Answer:
        """Send ``method path``; return the answer when its status is in ``accept``.

        ``path`` starts with ``/v1/``. ``body`` is sent as JSON when not None. Any other
        status raises (after the retries the policy allows).
        """
        query = {**self.default_params, **(params or {})}
        wait = timeout or self.timeout
        attempt = 0
        while True:
            attempt += 1
            last_try = attempt >= self.retry.tries
            try:
                answer = self._send(method, path, query, body, wait)
            except (requests.ConnectionError, requests.Timeout) as error:
                if last_try or not (method == "GET" or _before_sending(error)):
                    raise self._unreachable(error, attempt, wait, method) from error
            else:
                other = answering_agent(answer)
                if other is not None and other != self.api.name:
                    raise self._wrong_agent(other)
                if answer.status in accept:
                    return answer
                if last_try or not self._retryable(answer):
                    needs = capability_needed(self.api.name, method, path, query, body) \
                        if answer.status in (401, 403) else None
                    raise self.failure(answer, attempts=attempt, needs=needs)
            self._sleep(self.retry.delay(attempt))

    def _send(self, method: str, path: str, query: Mapping[str, str], body: Any,
              timeout: float) -> Answer:
        """One request; connection errors and timeouts are left to the caller."""
        ca_file = self.api.ca_file if self.session.verify else None
        missing = ca_file and tls.ca_file_error(self.api.name, self.api.address, ca_file,
                                                self.api.ca_env)
        if missing:
            raise missing
        started = time.perf_counter()
        status = "-"
        try:
            response = self.session.request(
                method, self.api.address + path, params=query or None, json=body,
                timeout=timeout, allow_redirects=False, verify=self._verify)
        except requests.exceptions.SSLError as error:
            raise self._tls_failed(error) from error
        except (requests.ConnectionError, requests.Timeout):
            raise
        except requests.RequestException as error:
            raise ProviderError(f"{self.api.name} {method} {path}: {error}") from error
        else:
            status = str(response.status_code)
        finally:
            record_request(self.api.name, method, path, status, time.perf_counter() - started)
        return Answer(method, path, response.status_code, response.text,
                      dict(response.headers), self.api.name)

    @property
    def _verify(self) -> bool | str | None:
        """The session's verification, passed on each request (else REQUESTS_CA_BUNDLE
        beats the CA); False over plain http, where there is no certificate to verify and
        a CA path would cost a stat of it per request (requests checks whether it is a
        directory)."""
        if not self.api.address.lower().startswith("https://"):
            return False
        return self.session.verify

    def _retryable(self, answer: Answer) -> bool:
        return answer.status >= 500 and not self.is_conflict(answer.status, answer.text)

    def failure(self, answer: Answer, *, attempts: int = 1,
                needs: str | None = None) -> ProviderError:
        """The ncplan error for an answer whose status was not accepted; ``needs`` is the
        capability the call needs (:func:`~ncplan.transport.acl_needs.capability_needed`)."""
        api, status = self.api, answer.status
        where = f"{answer.method} {answer.path}"
        said = one_line(answer.text) or "(empty body)"
        if self.is_conflict(status, answer.text):
            return CheckAndSetConflict(f"{api.name} {where}: check-and-set conflict: {said}",
                                       status=status, body=answer.text)
        if status in (401, 403):
            return self._refused(answer, needs)
        tries = f" after {attempts} tries" if attempts > 1 else ""
        return ProviderError(f"{api.name} answered {status} to {where}{tries}: {said}",
                             status=status, body=answer.text)

    def _refused(self, answer: Answer, needs: str | None) -> ProviderError:
        """``Consul refused PUT /v1/config (403 Permission denied: ...): the token needs
        intentions = "write" on service "db"``, with a hint on which token to change."""
        api = self.api
        where = f"{answer.method} {answer.path}"
        said = one_line(answer.text) or "(empty body)"
        grant = needs or f"a policy that allows {where}"
        token = (f"the token in {api.token_env} lacks it: add it to the token's policy"
                 if api.has_token else f"{api.token_env} is not set: set it to a token "
                                       "with it")
        return ProviderError(
            f"{api.name} refused {where} ({answer.status} {said})"
            + (f": the token needs {needs}" if needs else ""),
            status=answer.status, body=answer.text,
            hint=f"{token} ({grant}; examples/acl/ has the policies ncplan needs)")

    def _unreachable(self, error: Exception, attempts: int,
                     timeout: float, method: str = "GET") -> ProviderUnreachable:
        api = self.api
        reason = (f"no answer within {timeout:g} s" if isinstance(error, requests.Timeout)
                  else connection_reason(error))
        landed = method != "GET" and not _before_sending(error)
        return ProviderUnreachable(
            f"cannot reach {api.name} at {api.address} ({reason}; {attempts} "
            f"{'try' if attempts == 1 else 'tries'})"
            + ("; the write may have landed" if landed else ""),
            hint=f"is the {api.name} agent running? set {api.address_env} to its address",
            may_have_landed=landed)

    def _wrong_agent(self, other: str) -> ProviderUnreachable:
        api = self.api
        return ProviderUnreachable(
            f"{api.address} ({api.address_env}) does not answer as {api.name}: it is "
            f"{other}", hint=f"set {api.address_env} to the {api.name} agent's address")

    def _tls_failed(self, error: Exception) -> ProviderUnreachable:
        api = self.api
        said = connection_reason(error)
        if PLAIN_HTTP_REASON in said:
            plain = "http://" + api.address.split("://", 1)[-1]
            return ProviderUnreachable(
                f"{api.name} at {api.address} speaks plain HTTP, not HTTPS: the TLS "
                f"handshake got an HTTP answer ({said})",
                hint=f"set {api.address_env} to {plain}, or enable TLS on the agent")
        reason = tls.describe_failure(said, api.address, api.ca_file, api.ca_env)
        return ProviderUnreachable(
            f"TLS with {api.name} at {api.address} failed: {reason}",
            hint=f"set {api.ca_env} to the CA certificate that signed the agent's "
                 f"certificate (or {api.address_env} to its http:// address)")


#: OpenSSL's reason when the server answers a TLS hello with plain HTTP.
PLAIN_HTTP_REASON = "wrong version number"
#: Consul's answer to a path it does not know (Nomad's /v1/job/..., say).
CONSUL_UNKNOWN_PATH = "Invalid URL path: not a recognized HTTP API endpoint"


def answering_agent(answer: Answer) -> str | None:
    """``"Consul"`` or ``"Nomad"`` when the answer shows which agent sent it, else None.

    Consul marks its answers with ``X-Consul-*`` headers and answers an unknown path
    with :data:`CONSUL_UNKNOWN_PATH`; Nomad marks reads with ``X-Nomad-*`` headers, and
    its ``/v1/agent/self`` has lower-case ``config`` and ``member`` where Consul's has
    ``Config`` and ``DebugConfig``."""
    names = [name.lower() for name in answer.headers]
    if any(name.startswith("x-consul-") for name in names) or (
            answer.status == 404 and answer.text.startswith(CONSUL_UNKNOWN_PATH)):
        return "Consul"
    if any(name.startswith("x-nomad-") for name in names):
        return "Nomad"
    if answer.path == "/v1/agent/self" and answer.status == 200:
        try:
            body = json.loads(answer.text)
        except json.JSONDecodeError:
            return None
        if isinstance(body, dict) and "config" in body and "member" in body \
                and "Config" not in body:
            return "Nomad"
    return None


def record_request(api: str, method: str, path: str, status: str, seconds: float) -> None:
    """Append one line to the file named by NCPLAN_HTTP_STATS, when it is set."""
    target = os.environ.get(STATS_ENV)
    if not target:
        return
    with _stats_lock, open(target, "a", encoding="utf-8") as stats:
        stats.write(f"{api} {method} {path} {status} {seconds:.4f}\n")


@contextmanager
def refusals_at(address: str) -> Iterator[None]:
    """Put the resource ``address`` in front of a refusal (401/403) raised inside:
    ``consul_intention.web:db: Consul refused PUT /v1/config (403 ...): ...``."""
    try:
        yield
    except ProviderError as error:
        if error.status not in (401, 403) or error.message.startswith(f"{address}: "):
            raise
        raise ProviderError(f"{address}: {error.message}", status=error.status,
                            body=error.body, hint=error.hint) from error


def _before_sending(error: Exception) -> bool:
    """True when the request never reached the agent (refused, connect timeout): only
    then is a write sent again; a read timeout or a dropped answer may follow a write
    that happened."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)


def connection_reason(error: Exception) -> str:
    """The innermost reason of a requests/urllib3 error, without the retry wrapping."""
    text = str(error)
    for marker in ("certificate verify failed", "Hostname mismatch", "IP address mismatch",
                   "Connection refused", "Name or service not "
                   "known", "No route to host", "timed out", "wrong version number"):
        if marker in text:
            start = text.find(marker)
            end = text.find(")", start)
            reason = text[start:end if end > 0 else None]
            return reason.split(" (_ssl.c")[0].rstrip("'\"")
    return text


def one_line(text: str, limit: int = _QUOTE_LIMIT) -> str:
    """An API's own message on one line, cut to ``limit`` characters ("" stays "")."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
