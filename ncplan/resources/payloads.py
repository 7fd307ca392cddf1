"""The API payloads of the desired resources: the document ``ncplan render`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ncplan.resources.desired import DesiredResource, consul_config_entries


def payload_document(resources: Sequence[DesiredResource]) -> dict[str, Any]:
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
