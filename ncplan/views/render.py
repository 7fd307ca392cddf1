"""``ncplan render`` output: the payload document as JSON, or as HCL (a jobspec per job).

The document is built by :func:`ncplan.resources.payloads.payload_document`; this module
only turns it into text and writes it to stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from ncplan.address import job_address
from ncplan.views.hcl import commented, config_entry_to_hcl, job_to_hcl

PayloadDocument = Mapping[str, Any]


def render_json(document: PayloadDocument) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def render_hcl(document: PayloadDocument, raw_sources: Mapping[str, str] | None = None) -> str:
    """Each job as a jobspec (by name), then the Consul entries as commented HCL.

    A raw ``job`` block is printed as written (``raw_sources``: name -> block text).
    """
    jobs: Mapping[str, Any] = document.get("nomad_jobs", {})
    raw_jobs: Mapping[str, Any] = document.get("raw_jobs", {})
    parts: list[str] = []
    for name in sorted({*jobs, *raw_jobs}):
        if name in raw_jobs:
            text = (raw_sources or {}).get(name, "")
            parts.append(f"# {job_address(name)}: the job block as written\n"
                         + text.rstrip("\n") + "\n")
        else:
            parts.append(f"# {job_address(name)}\n" + job_to_hcl(jobs[name]["Job"]))
    for entry in document.get("consul_config_entries", ()):
        title = f"{entry['Kind']} {entry['Name']}"
        parts.append(f"# Consul config entry {title} (for `consul config write`):\n"
                     + commented(config_entry_to_hcl(entry)))
    return "\n".join(parts)


def print_render(document: PayloadDocument, output_format: str,
                 raw_sources: Mapping[str, str] | None = None) -> None:
    """Write the document to stdout: ``hcl`` as jobspecs, anything else as JSON."""
    if output_format == "hcl":
        sys.stdout.write(render_hcl(document, raw_sources))
    else:
        sys.stdout.write(render_json(document))
