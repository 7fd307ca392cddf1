"""Terraform as a baseline: the equivalent configuration, and whether it can run here.

The configuration: one ``nomad_job`` per job (the jobspec as a heredoc, every ``${`` and
``%{`` escaped as ``$${`` and ``%%{`` so Terraform leaves them to Nomad) and one
``consul_config_entry`` of kind service-intentions per entry, ordered as ncplan orders
them (``depends_on``): an entry after its destination's job, a job after the entries of
the intentions that let it call its upstreams. Terraform then walks the same graph,
``-parallelism`` (10) at a time, and destroys it backwards.

Terraform runs only when the binary exists AND the hashicorp/nomad and hashicorp/consul
providers are installed the way a Terraform user installs them: in the plugin cache or a
filesystem mirror named by the user's CLI configuration (``TF_CLI_CONFIG_FILE`` or
``~/.terraformrc``, ``TF_PLUGIN_CACHE_DIR``) or in one of Terraform's implied local mirror
directories. This project never builds, downloads or vendors Terraform or its providers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ncplan.views.hcl import job_to_hcl

PROVIDERS = ("nomad", "consul")
REGISTRY = "registry.terraform.io/hashicorp"


def heredoc_escape(text: str) -> str:
    """Text a Terraform heredoc reads back as ``text``: no interpolation, no directives."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _resource_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def configuration(document: Mapping[str, Any], nomad_addr: str, consul_addr: str) -> str:
    """main.tf for the jobs and config entries of ``ncplan render --format json``."""
    host = consul_addr.split("://", 1)[-1]
    scheme = consul_addr.split("://", 1)[0] if "://" in consul_addr else "http"
    parts = [
        'terraform {\n  required_providers {\n'
        '    nomad  = { source = "hashicorp/nomad" }\n'
        '    consul = { source = "hashicorp/consul" }\n  }\n}\n',
        f'provider "nomad" {{\n  address = "{nomad_addr}"\n}}\n',
        f'provider "consul" {{\n  address = "{host}"\n  scheme  = "{scheme}"\n}}\n',
    ]
    jobs: Mapping[str, Any] = document.get("nomad_jobs", {})
    entries = document.get("consul_config_entries", ())
    callers: dict[str, list[str]] = {}  # job name -> the entries it needs
    for entry in entries:
        for source in entry.get("Sources") or ():
            callers.setdefault(str(source.get("Name")), []).append(_entry_label(entry))
    for name, payload in sorted(jobs.items()):
        spec = heredoc_escape(job_to_hcl(payload["Job"])).rstrip("\n")
        after = _depends_on(f"consul_config_entry.{label}"
                            for label in sorted(callers.get(name, ())))
        parts.append(f'resource "nomad_job" "{_resource_name(name)}" {{\n{after}'
                     f"  detach  = true\n  jobspec = <<-EOT\n{spec}\n  EOT\n}}\n")
    for entry in entries:
        body = {k: v for k, v in entry.items() if k not in ("Kind", "Name")}
        after = _depends_on([f"nomad_job.{_resource_name(entry['Name'])}"]
                            if entry["Name"] in jobs else [])
        parts.append(
            f'resource "consul_config_entry" "{_entry_label(entry)}" {{\n{after}'
            f'  kind        = "{entry["Kind"]}"\n  name        = "{entry["Name"]}"\n'
            f"  config_json = jsonencode({heredoc_escape(json.dumps(body))})\n}}\n")
    return "\n".join(parts)


def _entry_label(entry: Mapping[str, Any]) -> str:
    return _resource_name(f"{entry['Kind']}_{entry['Name']}")


def _depends_on(addresses: Iterable[str]) -> str:
    listed = ", ".join(addresses)
    return f"  depends_on = [{listed}]\n" if listed else ""


@dataclass(frozen=True)
class Availability:
    usable: bool
    reason: str  # why not, or where the providers are


def _cli_config_dirs(env: Mapping[str, str], home: Path) -> list[Path]:
    """Plugin directories named by the user's CLI configuration."""
    found: list[Path] = []
    if env.get("TF_PLUGIN_CACHE_DIR"):
        found.append(Path(env["TF_PLUGIN_CACHE_DIR"]))
    config = Path(env.get("TF_CLI_CONFIG_FILE") or home / ".terraformrc")
    if config.is_file():
        text = config.read_text(errors="replace")
        for match in re.finditer(r'(?:plugin_cache_dir|path)\s*=\s*"([^"]+)"', text):
            found.append(Path(os.path.expanduser(match.group(1))))
    return found


def _implied_dirs(env: Mapping[str, str], home: Path) -> list[Path]:
    data_home = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    return [home / ".terraform.d" / "plugins", data_home / "terraform" / "plugins",
            Path("/usr/local/share/terraform/plugins"), Path("/usr/share/terraform/plugins")]


def _has_provider(directory: Path, name: str) -> bool:
    base = directory / REGISTRY / name
    return base.is_dir() and any(base.iterdir())


def availability(binary: Path | None, env: Mapping[str, str] | None = None,
                 home: Path | None = None) -> Availability:
    """Whether Terraform and both providers are installed, and if not, why."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if binary is None or not binary.is_file():
        return Availability(False, f"no terraform binary ({binary or 'none given'})")
    dirs = _cli_config_dirs(env, home) + _implied_dirs(env, home)
    missing = [p for p in PROVIDERS if not any(_has_provider(d, p) for d in dirs)]
    if missing:
        return Availability(False, f"{binary} is here but the hashicorp/"
                            f"{' and hashicorp/'.join(missing)} provider"
                            f"{'s are' if len(missing) > 1 else ' is'} not installed "
                            f"(looked in {', '.join(str(d) for d in dirs)}) and this "
                            "project never downloads them")
    return Availability(True, "providers found")


def commands(binary: Path) -> dict[str, list[str]]:
    """The timed Terraform commands by stage (``init`` is set-up, not timed)."""
    tf = str(binary)
    return {
        "init": [tf, "init", "-input=false", "-no-color"],
        "apply": [tf, "apply", "-auto-approve", "-input=false", "-no-color"],
        "plan (no changes)": [tf, "plan", "-input=false", "-json"],
        "destroy": [tf, "destroy", "-auto-approve", "-input=false", "-no-color"],
    }


def false_changes(plan_json_lines: str) -> int:
    """How many resources a ``terraform plan -json`` stream says would change."""
    count = 0
    for line in plan_json_lines.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("type") == "planned_change":
            count += 1
    return count


def init(binary: Path, directory: Path, env: Mapping[str, str]) -> None:
    subprocess.run(commands(binary)["init"], cwd=directory, env=dict(env), check=True,
                   capture_output=True, text=True)


def write(directory: Path, document: Mapping[str, Any], nomad_addr: str,
          consul_addr: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "main.tf"
    path.write_text(configuration(document, nomad_addr, consul_addr), encoding="utf-8")
    return path


def stage_names() -> Sequence[str]:
    return ("apply", "plan (no changes)", "destroy")
