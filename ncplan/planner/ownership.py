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

from dataclasses import dataclass

from ncplan.address import Address
from ncplan.diagnostics import Diagnostic, Severity, SourceSpan
from ncplan.planner.model import Adoption
from ncplan.providers.live import Refreshed
from ncplan.resources.ownership import entry_owner, job_owner, source_owner


@dataclass(frozen=True)
class Owner:
    """A live object's owner: ``exists`` False when there is no such object; ``lineage``
    ``None`` when it carries no mark."""

    exists: bool
    lineage: str | None = None


ABSENT = Owner(exists=False)


def owner_of(parsed: Address, refreshed: Refreshed) -> Owner:
    """The owner of the live object at address ``parsed`` as the refresh read it."""
    if parsed.kind == "consul_intention":
        entry = refreshed.intentions.get(parsed.destination)
        if entry is None or entry.source(parsed.source) is None:
            return ABSENT
        return Owner(True, source_owner(entry.body, parsed.source))
    if parsed.kind == "nomad_job":
        job = refreshed.jobs.get(parsed.name)
        return ABSENT if job is None else Owner(True, job_owner(job.body))
    if parsed.kind == "consul_service_defaults":
        entry_ = refreshed.service_defaults.get(parsed.name)
        return ABSENT if entry_ is None else Owner(True, entry_owner(entry_.body))
    live = (refreshed.acl_tokens if parsed.kind == "consul_acl_token"
            else refreshed.variables).get(parsed.name)
    if live is None:
        return ABSENT
    return Owner(True, owner_of(Address("nomad_job", parsed.name), refreshed).lineage)


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
