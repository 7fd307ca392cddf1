"""``nomad_variable``: the Nomad Variable ``nomad/jobs/NAME`` holding a sidecar's token.

Every write is check-and-set (``?cas=ModifyIndex``, 0 to create); Nomad answers a lost
one with 409 and the variable as it stands, items included, so that body is parsed here
for its index only and never quoted. Reads keep the item names and the SHA-256 of each
value (:class:`~ncplan.providers.live.LiveVariable`), never the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ncplan.address import variable_address
from ncplan.errors import ProviderError
from ncplan.providers.consul_config import conflict
from ncplan.providers.live import LiveVariable
from ncplan.providers.secret_decoding import digest, index_of, secret_json, secret_json_list
from ncplan.resources.sidecar_identity import variable_path
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, Answer, RetryPolicy, refusals_at
from ncplan.transport.nomad import NomadHttpSettings

CONFLICT = 409


def parse_variable(name: str, payload: Mapping[str, Any]) -> LiveVariable:
    """``GET /v1/var/:path``'s (or a write's) answer as :class:`LiveVariable`."""
    where = f"{variable_address(name)}: Nomad's variable"
    items = payload.get("Items")
    if not isinstance(items, Mapping):
        raise ProviderError(f"{where} has no Items object")
    return LiveVariable(
        name=name, body={"Path": payload.get("Path", variable_path(name)),
                         "Items": {str(key): None for key in items}},
        modify_index=index_of(payload, where),
        item_digests={str(k): digest(str(v)) for k, v in items.items()})


def var_path(name: str) -> str:
    return "/v1/var/" + quote(variable_path(name), safe="/")


class NomadVariables:
    """Sidecar identity variables on one Nomad (region and namespace of the settings)."""

    def __init__(self, settings: NomadHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.http = settings.client(timeout=timeout, retry=retry)

    def read(self, name: str) -> LiveVariable | None:
        """The variable ``nomad/jobs/NAME``, or None when Nomad has none (404)."""
        path = var_path(name)
        with refusals_at(variable_address(name)):
            answer = self.http.call("GET", path, accept=(200, 404))
        if answer.status == 404:
            return None
        return parse_variable(name, self._json(answer, name))

    def list_indexes(self) -> dict[str, int]:
        """Every variable ``nomad/jobs/NAME``, by NAME, with its ModifyIndex: one
        ``GET /v1/vars?prefix=nomad/jobs/`` (metadata only: no item is listed)."""
        path, prefix = "/v1/vars", variable_path("")
        with refusals_at("Nomad variables"):
            answer = self.http.call("GET", path, params={"prefix": prefix})
        found: dict[str, int] = {}
        for variable in secret_json_list(answer.text, f"Nomad GET {path}"):
            name = str(variable.get("Path", "")).removeprefix(prefix)
            if name and "/" not in name and variable.get("Path") == variable_path(name):
                found[name] = index_of(variable, f"{variable_address(name)}: Nomad GET {path}")
        return found

    def write(self, name: str, items: Mapping[str, str], cas_index: int) -> int:
        """Create (``cas_index`` 0) or replace the variable's items; its new ModifyIndex."""
        path = var_path(name)
        body = {"Path": variable_path(name), "Items": dict(items)}
        with refusals_at(variable_address(name)):
            answer = self.http.call("PUT", path, params={"cas": str(cas_index)}, body=body,
                                    accept=(200, CONFLICT))
        payload = self._json(answer, name)
        if answer.status == CONFLICT:
            raise conflict(variable_address(name), cas_index, _index_or_none(payload))
        return index_of(payload, f"{variable_address(name)}: Nomad PUT {path}")

    def delete(self, name: str, cas_index: int) -> None:
        """Delete the variable while it is still at ``cas_index`` (already gone: done;
        Nomad 1.6 answers that with 409 and an empty variable, ModifyIndex 0)."""
        path = var_path(name)
        with refusals_at(variable_address(name)):
            answer = self.http.call("DELETE", path, params={"cas": str(cas_index)},
                                    accept=(200, 204, 404, CONFLICT))
        if answer.status == CONFLICT:  # Nomad 1.6 answers a gone variable 409, index 0
            now = _index_or_none(self._json(answer, name))
            if now is not None:
                raise conflict(variable_address(name), cas_index, now)

    def _json(self, answer: Answer, name: str) -> dict[str, Any]:
        return secret_json(answer.text, f"{variable_address(name)}: Nomad "
                                        f"{answer.method} {answer.path}")


def _index_or_none(payload: Mapping[str, Any]) -> int | None:
    index = payload.get("ModifyIndex")
    return index if isinstance(index, int) and index > 0 else None
