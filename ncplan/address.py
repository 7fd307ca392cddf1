"""Resource addresses: the one place they are built and parsed.

An address names one resource ncplan manages, as Terraform's ``TYPE.NAME``:

* ``nomad_job.NAME``: a Nomad job (from a ``service`` or a raw ``job`` block);
* ``consul_service_defaults.NAME``: a ``service-defaults`` config entry;
* ``consul_intention.SOURCE:DESTINATION``: one source of a ``service-intentions`` entry;
* ``consul_acl_token.NAME``: the Consul ACL token of builtin service NAME's sidecar;
* ``nomad_variable.NAME``: the Nomad Variable ``nomad/jobs/NAME`` holding that token;
* ``consul_config_entry.KIND.NAME``: a config entry file (``service-splitter.api``); the
  kind is also read as Consul's struct spells it (``ServiceSplitter``, ``service_splitter``).

Every address printed pastes unquoted into a POSIX shell: no ``>``, ``<``, ``|``, ``;``,
``&``, quote, space or glob character. So an intention's name joins its two services with
``:``, and Consul's wildcard ``*`` (any service) is spelt ``ALL``, a word no service name
can be (service names are lower case). As input, the older ``SOURCE->DESTINATION`` and a
literal ``*`` are still read; :func:`parse_address` turns any spelling into the one printed.
An intention's name is split and joined here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal, get_args

from ncplan.diagnostics import Diagnostic, Severity
from ncplan.errors import ConfigError

ResourceKind = Literal["nomad_job", "consul_intention", "consul_service_defaults",
                       "consul_acl_token", "nomad_variable", "consul_config_entry"]
KINDS: tuple[ResourceKind, ...] = get_args(ResourceKind)
_KIND_BY_NAME: dict[str, ResourceKind] = {kind: kind for kind in KINDS}
INTENTION_SEPARATOR = ":"
LEGACY_INTENTION_ARROW = "->"  # the older spelling (state format 2), still read
WILDCARD = "*"  # Consul's name for "any service"
WILDCARD_WORD = "ALL"  # how an address spells it: a shell would glob-expand ``*``
ENTRY: ResourceKind = "consul_config_entry"


@dataclass(frozen=True)
class Address:
    """A parsed address. ``source``/``destination`` are set for intentions only."""

    kind: ResourceKind
    name: str
    source: str = ""
    destination: str = ""
    cluster: str = ""  # set only when the configuration declares cluster blocks

    @property
    def entry_kind(self) -> str:
        """A config entry's Consul kind (``service-splitter``); ``""`` for other kinds."""
        return self.name.partition(".")[0] if self.kind == ENTRY else ""

    @property
    def entry_name(self) -> str:
        """A config entry's Consul name (``api``); ``""`` for other kinds."""
        return self.name.partition(".")[2] if self.kind == ENTRY else ""

    @property
    def job_name(self) -> str:
        """The Nomad job or Consul service this resource belongs to (an intention's DST)."""
        return self.destination if self.kind == "consul_intention" else self.name

    def __str__(self) -> str:
        return in_cluster(f"{self.kind}.{self.name}", self.cluster)


class Addressed:
    """A model that names its resource: ``address`` is the text files and outputs spell
    (state, plan file, views: unchanged), ``typed_address`` the same address parsed, once
    per object (on first use), so the code that needs its kind, name, source or
    destination reads them there instead of parsing the text again."""

    address: str

    @cached_property
    def typed_address(self) -> Address:
        return parse_address(self.address)


CLUSTER_SEPARATOR = "@"


def in_cluster(address: str, cluster: str) -> str:
    """``nomad_job.db`` in cluster ``east`` -> ``nomad_job.db@east``; unchanged without
    a cluster (a configuration without cluster blocks)."""
    return f"{address}{CLUSTER_SEPARATOR}{cluster}" if cluster else address


def split_cluster(address: str) -> tuple[str, str]:
    """``nomad_job.db@east`` -> ``("nomad_job.db", "east")``; ``("nomad_job.db", "")``
    for an address without a cluster key."""
    base, found, cluster = address.rpartition(CLUSTER_SEPARATOR)
    return (base, cluster) if found else (address, "")


def job_address(name: str) -> str:
    return f"nomad_job.{name}"


def service_defaults_address(name: str) -> str:
    return f"consul_service_defaults.{name}"


def token_address(name: str) -> str:
    return f"consul_acl_token.{name}"


def variable_address(name: str) -> str:
    return f"nomad_variable.{name}"


def config_entry_address(kind: str, name: str) -> str:
    return f"{ENTRY}.{kind}.{name}"


def entry_kind_spelling(kind: str) -> str:
    """``ServiceSplitter``, ``service_splitter`` -> ``service-splitter``."""
    dashed = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", kind).replace("_", "-")
    return dashed.lower()


def _spelt(service: str) -> str:
    return WILDCARD_WORD if service == WILDCARD else service


def _unspelt(service: str) -> str:
    return WILDCARD if service == WILDCARD_WORD else service


def intention_name(source: str, destination: str) -> str:
    """``web:db`` (``ALL:db`` for ``*`` -> db): the name part of an intention's address,
    also the ID ``ncplan import`` takes for it."""
    return f"{_spelt(source)}{INTENTION_SEPARATOR}{_spelt(destination)}"


def split_intention_name(name: str) -> tuple[str, str] | None:
    """``web:db``, ``web->db``, ``ALL:db`` or ``*:db`` -> ``(source, destination)`` as
    Consul names them (``*`` for the wildcard); None when it is not such a name."""
    for separator in (LEGACY_INTENTION_ARROW, INTENTION_SEPARATOR):
        source, found, destination = name.partition(separator)
        if found:
            if not source or not destination or _separated(source) or _separated(destination):
                return None
            return _unspelt(source), _unspelt(destination)
    return None


def _separated(part: str) -> bool:
    return INTENTION_SEPARATOR in part or LEGACY_INTENTION_ARROW in part


def intention_address(source: str, destination: str) -> str:
    return f"consul_intention.{intention_name(source, destination)}"


def parse_address(text: str) -> Address:
    """``nomad_job.db`` -> ``Address("nomad_job", "db")``, ``nomad_job.db@east`` the same
    in cluster ``east``; raises ConfigError if invalid."""
    base, cluster = split_cluster(text)
    if CLUSTER_SEPARATOR in base or (base != text and not cluster):
        raise _invalid(text, f"a cluster key is one {CLUSTER_SEPARATOR}NAME at the end, "
                             "e.g. nomad_job.db@east")
    return replace(_parse_base(base, text), cluster=cluster)


def _parse_base(base: str, text: str) -> Address:
    prefix, dot, name = base.partition(".")
    kind = _KIND_BY_NAME.get(prefix)
    if not dot or kind is None:
        raise _invalid(text, "expected TYPE.NAME with TYPE one of " + ", ".join(KINDS))
    if not name:
        raise _invalid(text, f"the name after {kind}. is empty")
    if kind == "consul_intention":
        pair = split_intention_name(name)
        if pair is None:
            raise _invalid(text, "an intention's name is SOURCE:DESTINATION, e.g. web:db "
                                 f"({WILDCARD_WORD} for Consul's wildcard *, e.g. "
                                 f"{WILDCARD_WORD}:db)")
        source, destination = pair
        return Address("consul_intention", intention_name(source, destination),
                       source, destination)
    if kind == ENTRY:
        entry_kind, dot, entry_name = name.partition(".")
        if not dot or not entry_kind or not entry_name:
            raise _invalid(text, "a config entry's name is KIND.NAME, e.g. "
                                 "consul_config_entry.service-splitter.api")
        return Address(kind, f"{entry_kind_spelling(entry_kind)}.{entry_name}")
    if _separated(name):
        raise _invalid(text, f"only consul_intention names contain {INTENTION_SEPARATOR}")
    return Address(kind, name)


def canonical_address(text: str) -> str:
    """The address as ncplan prints it (``consul_intention.web->db`` ->
    ``consul_intention.web:db``); ``text`` itself when it is no valid address."""
    try:
        return str(parse_address(text))
    except ConfigError:
        return text


def _invalid(text: str, detail: str) -> ConfigError:
    return ConfigError([Diagnostic(Severity.ERROR, f"invalid resource address {text!r}",
                                   detail=detail, address=text)])
