"""TLS to Nomad and Consul: what a failed handshake means, and the unverified-TLS warning.

* :func:`ca_file_error`: a CA file named by ``NOMAD_CACERT``/``CONSUL_CACERT`` that is not
  there (requests would raise a bare ``OSError`` deep inside).
* :func:`describe_failure`: a certificate the CA did not sign (or no CA given: the
  system's bundle did not know it), or a certificate for another host, said in words
  that name the CA file and the address.
* :func:`session`: a requests session with an API's token header, CA, client
  certificate and verification choice applied (Nomad and Consul alike), keeping up to
  ``pool_size`` connections alive (``--parallelism`` requests at once each reuse one),
  and never reading ``~/.netrc`` (see :class:`NoNetrc`).
* :func:`warn_unverified`: ``NOMAD_SKIP_VERIFY=true`` / ``CONSUL_HTTP_SSL_VERIFY=false``
  turn verification off; ncplan then logs one warning per API and address per run on the
  ``ncplan`` logger (Python's last-resort handler shows it on stderr when the CLI sets up
  no handler) and silences urllib3's per-request ``InsecureRequestWarning``.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from ncplan.errors import ProviderError

LOG = logging.getLogger("ncplan.tls")
_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()
DEFAULT_POOL_SIZE = 10  # connections kept alive per session: the default --parallelism


def unverified_text(api: str, address: str, variable: str) -> str:
    return (f"warning: {variable} turns off TLS verification: ncplan does not check the "
            f"certificate of {api} at {address}; anyone on the path can read the token "
            "and change the answers")


def warn_unverified(api: str, address: str, variable: str) -> None:
    """Log :func:`unverified_text` once per run for ``api`` at ``address``."""
    with _lock:
        if (api, address) in _warned:
            return
        _warned.add((api, address))
    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    LOG.warning(unverified_text(api, address, variable))


class NoNetrc(AuthBase):
    """The session's auth: none. Nomad and Consul take a token header, never Basic auth,
    and a session without an ``auth`` makes requests look up ``~/.netrc`` (two stat calls
    and maybe a parse) on every request, 12% of a plan's time. Setting it keeps
    ``trust_env``: proxies (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``) still apply."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def session(api: str, address: str, *, token_header: str, token: str | None,
            verify: bool, ca_cert: str | None, client_cert: str | None,
            client_key: str | None, unverify_variable: str,
            pool_size: int = DEFAULT_POOL_SIZE) -> requests.Session:
    """A requests session for ``api`` at ``address``: ``token`` in ``token_header``, the
    CA (or the system's bundle) when verifying, else :func:`warn_unverified` naming
    ``unverify_variable``; the client certificate and key when given. Up to
    ``pool_size`` connections stay open for reuse (requests keeps 10 by default: more
    threads than that would open a new connection per request and throw it away)."""
    http = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, pool_size))
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.auth = NoNetrc()
    if token:
        http.headers[token_header] = token
    http.verify = (ca_cert or True) if verify else False
    if not verify:
        warn_unverified(api, address, unverify_variable)
    if client_cert:
        http.cert = (client_cert, client_key) if client_key else client_cert
    return http


def ca_file_error(api: str, address: str, ca_file: str, ca_env: str) -> ProviderError | None:
    """The error for a CA file that cannot be read, else None."""
    path = Path(ca_file)
    if path.is_file() and os.access(path, os.R_OK):
        return None
    why = "no such file" if not path.exists() else "not a readable file"
    return ProviderError(f"cannot verify {api} at {address}: the CA file {ca_file} "
                         f"({ca_env}) is {why}",
                         hint=f"set {ca_env} to the CA certificate that signed the "
                              f"{api} agent's certificate")


def describe_failure(reason: str, address: str, ca_file: str | None, ca_env: str) -> str:
    """Why verification failed, from OpenSSL's ``reason`` (``certificate verify failed:
    ...``): another host's certificate, or one the CA did not sign."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0]
    if "mismatch" in reason:
        return (f"the certificate is for another host, not {host} ({reason}); use an "
                "address the certificate names")
    ca = f"the CA file {ca_file} ({ca_env})" if ca_file else \
        f"the system's CA bundle ({ca_env} is not set)"
    return f"{ca} did not sign the certificate of {address} ({reason})"
