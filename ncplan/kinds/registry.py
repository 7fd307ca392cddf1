"""The resource kinds, by name: what the planner, refresh, apply and import iterate.

A new kind is a module beside these (one :class:`~ncplan.kinds.base.Kind` built from
its functions) and one line here. The order is the refresh's: its requests are sent,
and their first failure reported, in this order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ncplan.address import Address, parse_address
from ncplan.errors import NcplanError
from ncplan.kinds import (
    consul_acl_token,
    consul_config_entry,
    consul_intention,
    consul_service_defaults,
    nomad_job,
    nomad_variable,
)
from ncplan.kinds.base import Kind

KINDS: Mapping[str, Kind[Any]] = {kind.name: kind for kind in (
    nomad_job.KIND,
    consul_intention.KIND,
    consul_service_defaults.KIND,
    consul_acl_token.KIND,
    nomad_variable.KIND,
    consul_config_entry.KIND,
)}


def kind_of(name: str) -> Kind[Any]:
    """The kind named ``name`` (a resource's ``kind``); NcplanError for an unknown one."""
    found = KINDS.get(name)
    if found is None:
        raise NcplanError(f"unknown resource kind {name!r} (known: {', '.join(KINDS)})")
    return found


def kind_at(address: str | Address) -> tuple[Kind[Any], Address]:
    """The kind of ``address`` and the address (parsed, when given as text)."""
    parsed = parse_address(address) if isinstance(address, str) else address
    return kind_of(parsed.kind), parsed
