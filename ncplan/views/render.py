"""``ncplan render`` output: JSON (the API payloads) or HCL (a jobspec per job)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ncplan.config.render import DesiredResource, consul_config_entries
from ncplan.config.render_hcl import commented, config_entry_to_hcl, job_to_hcl


def render_document(resources: Sequence[DesiredResource]) -> dict[str, Any]:
    """``nomad_jobs``: NAME -> the ``PUT /v1/jobs`` payload ``{"Job": ...}``;
    ``raw_jobs``: NAME -> python-hcl2's view of a ``job`` block (Nomad parses it at plan
    time); ``consul_config_entries``: the ``PUT /v1/config`` payloads."""
    document: dict[str, Any] = {
        "nomad_jobs": {r.name: {"Job": r.body} for r in resources
                       if r.kind == "nomad_job" and not r.raw},
    }
    raw = {r.name: r.body for r in resources if r.kind == "nomad_job" and r.raw}
    if raw:
        document["raw_jobs"] = raw
    document["consul_config_entries"] = consul_config_entries(resources)
    return document


def render_json(resources: Sequence[DesiredResource]) -> str:
    return json.dumps(render_document(resources), indent=2, sort_keys=True) + "\n"


def render_hcl(resources: Sequence[DesiredResource],
               raw_sources: dict[str, str] | None = None) -> str:
    """Each job as a jobspec, then the Consul entries as commented HCL.

    A raw ``job`` block is printed as written (``raw_sources``: name -> block text).
    """
    parts: list[str] = []
    for resource in resources:
        if resource.kind != "nomad_job":
            continue
        if resource.raw:
            text = (raw_sources or {}).get(resource.name, "")
            parts.append(f"# {resource.address}: the job block as written\n"
                         + text.rstrip("\n") + "\n")
        else:
            parts.append(f"# {resource.address}\n" + job_to_hcl(resource.body))
    for entry in consul_config_entries(resources):
        title = f"{entry['Kind']} {entry['Name']}"
        parts.append(f"# Consul config entry {title} (for `consul config write`):\n"
                     + commented(config_entry_to_hcl(entry)))
    return "\n".join(parts)
