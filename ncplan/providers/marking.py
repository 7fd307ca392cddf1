"""Put the ownership mark on a live object as it stands (``ncplan import``).

Import records a live object as it is; so that every object a state records carries its
lineage, it also marks it, changing nothing else, under check-and-set at the index the
import read: a job is registered again as Nomad returned it with ``Meta`` marked (a new
job version, no other change), the intention entry gets the source in the lineage's
list, a service-defaults entry its ``Meta`` key. A token and a variable belong to their
job (see :mod:`ncplan.resources.ownership`) and are not written.
"""

from __future__ import annotations

from ncplan.address import Address
from ncplan.errors import CheckAndSetConflict
from ncplan.providers.clients import Providers
from ncplan.providers.consul_intention import writable_source
from ncplan.resources.ownership import (
    entry_owner,
    job_owner,
    source_owner,
    with_entry_mark,
    with_job_mark,
)


def mark_live(providers: Providers, parsed: Address, lineage: str, index: int) -> int:
    """Mark the live object at address ``parsed`` (still at ``index``) with ``lineage``;
    its index after (``index`` when it carries the mark already, or has no place for it)."""
    address = str(parsed)
    if parsed.kind == "nomad_job":
        job = providers.jobs.read(parsed.name)
        if job is None or job_owner(job.body) == lineage:
            return index
        _check(address, index, job.modify_index)
        return providers.jobs.register(with_job_mark(job.body, lineage), enforce_index=index)
    if parsed.kind == "consul_intention":
        entry = providers.intentions.read(parsed.destination)
        source = entry.source(parsed.source) if entry is not None else None
        if entry is None or source is None or source_owner(entry.body, parsed.source) == lineage:
            return index
        _check(address, index, entry.modify_index)
        return providers.intentions.upsert_source(parsed.destination, writable_source(source),
                                                  index, owner=lineage)
    if parsed.kind == "consul_service_defaults":
        defaults = providers.service_defaults.read(parsed.name)
        if defaults is None or entry_owner(defaults.body) == lineage:
            return index
        _check(address, index, defaults.modify_index)
        return providers.service_defaults.write(parsed.name,
                                                with_entry_mark(defaults.body, lineage), index)
    return index


def _check(address: str, planned: int, live: int) -> None:
    if planned != live:
        raise CheckAndSetConflict(f"{address} changed while it was imported (index {planned} "
                                  f"-> {live}); run import again")
