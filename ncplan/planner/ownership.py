"""Who owns a live object, and what that means for a plan. Pure.

The mark (:mod:`ncplan.resources.ownership`) settles every case a refresh meets:

* the object is absent: nothing to settle (created, or forgotten when recorded);
* it carries this state's lineage: ours, recorded or not (an apply stopped between its
  write and its state write leaves such an object: the plan records it);
* it carries no mark: recorded, ours (written before marks existed, or imported); not
  recorded, made outside ncplan: adopted only as a visible import;
* it carries another lineage: another state's object, never adopted nor written: the plan
  fails naming that lineage.
"""

from __future__ import annotations

from ncplan.address import Address
from ncplan.diagnostics import Diagnostic, Severity, SourceSpan
from ncplan.kinds.base import ABSENT as ABSENT
from ncplan.kinds.base import Owner as Owner
from ncplan.kinds.registry import kind_at
from ncplan.planner.model import Adoption
from ncplan.providers.live import Refreshed


def owner_of(address: Address, refreshed: Refreshed) -> Owner:
    """The owner of the live object at ``address`` as the refresh read it (its kind
    says where the mark is)."""
    kind, parsed = kind_at(address)
    return kind.owner(parsed, refreshed)


def adoption(owner: Owner, lineage: str, recorded: bool) -> Adoption | None:
    """How a live object comes into the state: ``None`` when it is already recorded or
    absent (see :func:`foreign` for another lineage's)."""
    if recorded or not owner.exists:
        return None
    return Adoption.RECORD if owner.lineage == lineage else Adoption.IMPORT


def foreign(owner: Owner, lineage: str) -> bool:
    """Whether the object is marked by another state."""
    return owner.exists and owner.lineage is not None and owner.lineage != lineage


def foreign_error(address: str, owner: Owner, lineage: str,
                  source: SourceSpan | None) -> Diagnostic:
    """The located plan error for an object another state owns."""
    return Diagnostic(
        Severity.ERROR,
        f"{address} belongs to another ncplan state (lineage {owner.lineage})",
        detail=(f"The live object carries the ownership mark of state lineage "
                f"{owner.lineage}; this configuration's state is lineage {lineage}. "
                "ncplan never adopts or writes another state's objects: manage it from "
                "the directory whose state has that lineage, or rename this block."),
        span=source, address=address)


def object_id(address: Address) -> str:
    """The ID a user passes to ``ncplan import ADDRESS ID`` (Terraform's
    ``change.importing.id``): an intention's ``SRC:DST`` (the name part of its address,
    ``ALL`` for ``*``), else the name."""
    return address.name
