"""Which ACL capability an API call needs, for the message of a 403 (no I/O here).

One table per API, from the endpoints ncplan calls to the capability HashiCorp documents
for them (Consul 1.14, Nomad 1.6), said in each API's policy language so the user can
paste it into a policy: ``intentions = "write" on service "db"`` (Consul),
``submit-job on namespace "default"`` (Nomad). The policies that grant all of them are in
examples/acl/. An endpoint not in the tables answers ``None``: the 403 then quotes the
API's own message only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

Rule = Callable[[re.Match[str], Mapping[str, str], Any], str | None]


def _config_entry(kind: str, name: str, write: bool) -> str | None:
    """A config entry's capability: intentions on the destination, else the service's."""
    level = '"write"' if write else '"read"'
    if kind == "service-intentions":
        return f'intentions = {level} on service "{name}"'
    if kind == "service-defaults":
        return f'policy = {level} on service "{name}"'
    return None


def _config_put(match: re.Match[str], params: Mapping[str, str], body: Any) -> str | None:
    if not isinstance(body, Mapping):
        return None
    return _config_entry(str(body.get("Kind")), str(body.get("Name")), write=True)


def _config_read(match: re.Match[str], params: Mapping[str, str], body: Any) -> str | None:
    return _config_entry(match["kind"], unquote(match["name"]), write=False)


def _config_delete(match: re.Match[str], params: Mapping[str, str], body: Any) -> str | None:
    return _config_entry(match["kind"], unquote(match["name"]), write=True)


def _fixed(text: str) -> Rule:
    return lambda match, params, body: text


def _key(level: str) -> Rule:
    return lambda match, params, body: f'policy = "{level}" on key "{unquote(match["key"])}"'


def _variable(capability: str) -> Rule:
    def rule(match: re.Match[str], params: Mapping[str, str], body: Any) -> str:
        return (f'variables path "{unquote(match["path"])}" capability "{capability}" '
                f'on namespace "{params.get("namespace") or "default"}"')
    return rule


def _nomad(capability: str) -> Rule:
    def rule(match: re.Match[str], params: Mapping[str, str], body: Any) -> str:
        return f'{capability} on namespace "{params.get("namespace") or "default"}"'
    return rule


_CONFIG_ENTRY = r"/v1/config/(?P<kind>[^/]+)/(?P<name>[^/?]+)"
_NOMAD_JOB = r"/v1/job/[^/]+"

CONSUL_NEEDS: tuple[tuple[str, str, Rule], ...] = (
    ("PUT", r"/v1/config", _config_put),
    ("GET", _CONFIG_ENTRY, _config_read),
    ("DELETE", _CONFIG_ENTRY, _config_delete),
    ("GET", r"/v1/agent/self", _fixed('policy = "read" on agent_prefix ""')),
    ("GET", r"/v1/catalog/services", _fixed('policy = "read" on service_prefix ""')),
    ("GET", r"/v1/kv/(?P<key>.+)", _key("read")),
    ("PUT", r"/v1/kv/(?P<key>.+)", _key("write")),
    ("DELETE", r"/v1/kv/(?P<key>.+)", _key("write")),
    ("PUT", r"/v1/session/create", _fixed('policy = "write" on session_prefix ""')),
    ("GET", r"/v1/acl/token/[^/]+", _fixed('acl = "read"')),
    ("PUT", r"/v1/acl/token(/[^/]+)?", _fixed('acl = "write"')),
    ("DELETE", r"/v1/acl/token/[^/]+", _fixed('acl = "write"')),
)

NOMAD_NEEDS: tuple[tuple[str, str, Rule], ...] = (
    ("GET", r"/v1/jobs", _nomad("list-jobs")),
    ("POST", r"/v1/jobs/parse", _nomad("parse-job")),
    ("PUT", _NOMAD_JOB + r"/plan", _nomad("submit-job")),
    ("PUT", _NOMAD_JOB, _nomad("submit-job")),
    ("POST", _NOMAD_JOB, _nomad("submit-job")),
    ("DELETE", _NOMAD_JOB, _nomad("submit-job")),
    ("GET", _NOMAD_JOB + r"(/[a-z]+)?", _nomad("read-job")),
    ("GET", r"/v1/(allocation|deployment|evaluation)/[^/]+", _nomad("read-job")),
    ("GET", r"/v1/var/(?P<path>.+)", _variable("read")),
    ("PUT", r"/v1/var/(?P<path>.+)", _variable("write")),
    ("DELETE", r"/v1/var/(?P<path>.+)", _variable("destroy")),
)


def capability_needed(api: str, method: str, path: str, params: Mapping[str, str],
                      body: Any) -> str | None:
    """The capability ``method path`` needs on ``api`` ("Consul" | "Nomad"), in that API's
    policy language, or ``None`` when the table does not know the endpoint."""
    table = CONSUL_NEEDS if api == "Consul" else NOMAD_NEEDS
    for verb, pattern, rule in table:
        match = re.fullmatch(pattern, path)
        if verb == method and match:
            return rule(match, params, body)
    return None
