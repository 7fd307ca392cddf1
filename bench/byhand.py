"""By hand: what a person (or a shell loop) does without ncplan, with the real CLIs.

Apply: ``nomad job run -detach JOB.nomad.hcl`` per job, then ``consul config write
ENTRY.json`` per service-intentions entry. Destroy: ``nomad job stop -purge -detach NAME``
per job and ``consul config delete -kind K -name N`` per entry. One after another.
The jobspecs are ncplan's own rendering (``ncplan render --format hcl`` per job).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ncplan.views.hcl import job_to_hcl


@dataclass(frozen=True)
class Files:
    jobs: tuple[Path, ...]  # one jobspec per job
    entries: tuple[Path, ...]  # one JSON config entry per file


def write_files(document: Mapping[str, Any], directory: Path) -> Files:
    """One jobspec file per job and one JSON file per Consul config entry."""
    directory.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name, payload in sorted(document.get("nomad_jobs", {}).items()):
        path = directory / f"{name}.nomad.hcl"
        path.write_text(job_to_hcl(payload["Job"]), encoding="utf-8")
        jobs.append(path)
    entries = []
    for entry in document.get("consul_config_entries", ()):
        path = directory / f"{entry['Kind']}-{entry['Name']}.json"
        path.write_text(json.dumps(entry), encoding="utf-8")
        entries.append(path)
    return Files(tuple(jobs), tuple(entries))


def apply_commands(files: Files, nomad: Path, consul: Path) -> list[list[str]]:
    return ([[str(nomad), "job", "run", "-detach", str(job)] for job in files.jobs]
            + [[str(consul), "config", "write", str(entry)] for entry in files.entries])


def destroy_commands(document: Mapping[str, Any], nomad: Path,
                     consul: Path) -> list[list[str]]:
    return ([[str(nomad), "job", "stop", "-purge", "-detach", name]
             for name in sorted(document.get("nomad_jobs", {}))]
            + [[str(consul), "config", "delete", "-kind", e["Kind"], "-name", e["Name"]]
               for e in document.get("consul_config_entries", ())])
