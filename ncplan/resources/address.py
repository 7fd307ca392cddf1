"""Resource addresses: the one place they are built and parsed.

An address names one resource ncplan manages, as Terraform's ``TYPE.NAME``:

* ``nomad_job.NAME``: a Nomad job (from a ``service`` or a raw ``job`` block);
* ``consul_service_defaults.NAME``: a ``service-defaults`` config entry;
* ``consul_intention.SOURCE->DESTINATION``: one source of a ``service-intentions`` entry;
* ``consul_acl_token.NAME``: the Consul ACL token of builtin service NAME's sidecar;
* ``nomad_variable.NAME``: the Nomad Variable ``nomad/jobs/NAME`` holding that token.

The ``->`` of an intention's name is split here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from ncplan.diagnostics import Diagnostic, Severity
from ncplan.errors import ConfigError

ResourceKind = Literal["nomad_job", "consul_intention", "consul_service_defaults",
                       "consul_acl_token", "nomad_variable"]
KINDS: tuple[ResourceKind, ...] = get_args(ResourceKind)
_KIND_BY_NAME: dict[str, ResourceKind] = {kind: kind for kind in KINDS}
INTENTION_ARROW = "->"


@dataclass(frozen=True)
class Address:
    """A parsed address. ``source``/``destination`` are set for intentions only."""

    kind: ResourceKind
    name: str
    source: str = ""
    destination: str = ""

    @property
    def job_name(self) -> str:
        """The Nomad job or Consul service this resource belongs to (an intention's DST)."""
        return self.destination if self.kind == "consul_intention" else self.name

    def __str__(self) -> str:
        return f"{self.kind}.{self.name}"


def job_address(name: str) -> str:
    return f"nomad_job.{name}"


def service_defaults_address(name: str) -> str:
    return f"consul_service_defaults.{name}"


def token_address(name: str) -> str:
    return f"consul_acl_token.{name}"


def variable_address(name: str) -> str:
    return f"nomad_variable.{name}"


def intention_name(source: str, destination: str) -> str:
    """``web->db``: the name part of an intention's address."""
    return f"{source}{INTENTION_ARROW}{destination}"


def intention_address(source: str, destination: str) -> str:
    return f"consul_intention.{intention_name(source, destination)}"


def parse_address(text: str) -> Address:
    """``nomad_job.db`` -> ``Address("nomad_job", "db")``; raises ConfigError if invalid."""
    prefix, dot, name = text.partition(".")
    kind = _KIND_BY_NAME.get(prefix)
    if not dot or kind is None:
        raise _invalid(text, "expected TYPE.NAME with TYPE one of " + ", ".join(KINDS))
    if not name:
        raise _invalid(text, f"the name after {kind}. is empty")
    if kind == "consul_intention":
        source, arrow, destination = name.partition(INTENTION_ARROW)
        if not arrow or not source or not destination:
            raise _invalid(text, "an intention's name is SOURCE->DESTINATION, e.g. web->db")
        return Address("consul_intention", name, source, destination)
    if INTENTION_ARROW in name:
        raise _invalid(text, f"only consul_intention names contain {INTENTION_ARROW}")
    return Address(kind, name)


def _invalid(text: str, detail: str) -> ConfigError:
    return ConfigError([Diagnostic(Severity.ERROR, f"invalid resource address {text!r}",
                                   detail=detail, address=text)])
