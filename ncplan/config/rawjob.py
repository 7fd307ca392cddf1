"""Dependencies of a raw job, read from the job itself.

- ``-upstream NAME:PORT`` arguments of ``consul connect proxy`` tasks (the seed guide);
- ``destination_name`` of Connect ``upstreams`` (Nomad's native Connect);
- a job ``meta`` key ``ncplan_depends_on = "a,b"``.

``derive`` reads them from the HCL text (the parser's view of the block): ``dynamic``
blocks and names built from expressions cannot be read there, so the result is then
``partial``. ``derive_parsed`` reads them from the Job JSON Nomad's ``/v1/jobs/parse``
returns, where every ``dynamic`` block is expanded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ncplan.config.model import Config
from ncplan.diagnostics import Diagnostic

DEPENDS_ON_META = "ncplan_depends_on"
PARTIAL_GRAPH = "the graph is partial"


def is_partial_note(diagnostic: Diagnostic) -> bool:
    """The warning that a raw job's dependencies were read only partly from its text."""
    return not diagnostic.is_error and diagnostic.summary.startswith(PARTIAL_GRAPH)


def _blocks(value: Any) -> Iterator[dict[str, Any]]:
    """The bodies of a block list as python-hcl2 shows it (``[{label: body}]`` or ``[body]``)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            yield item


def _labelled(value: Any) -> Iterator[dict[str, Any]]:
    for item in _blocks(value):
        for inner in item.values():
            if isinstance(inner, dict):
                yield inner


def _text(value: Any) -> str:
    """A value as HCL writes it in a string: null is empty, a bool is true or false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _merged(value: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in _blocks(value):
        merged.update(item)
    return merged


def proxy_upstreams(task: Mapping[str, Any]) -> list[str]:
    """Upstream names of a task running ``consul connect proxy``."""
    config = _merged(task.get("config", {}))
    command = _text(config.get("command", ""))
    args = config.get("args", [])
    if not command.rstrip("/").endswith("consul") or not isinstance(args, list):
        return []
    words = [_text(a) for a in args]
    if "connect" not in words or "proxy" not in words:
        return []
    names: list[str] = []
    for index, word in enumerate(words):
        spec = None
        if word in ("-upstream", "--upstream") and index + 1 < len(words):
            spec = words[index + 1]
        elif word.startswith(("-upstream=", "--upstream=")):
            spec = word.split("=", 1)[1]
        if spec:
            names.append(spec.split(":", 1)[0])
    return names


def _destination_names(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        name = value.get("destination_name")
        if isinstance(name, str):
            yield name
        for inner in value.values():
            yield from _destination_names(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _destination_names(inner)


def _unique(names: list[str], own: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n and n != own))


@dataclass(frozen=True)
class Derived:
    """A job's dependencies; ``partial`` when some could not be read from the text."""

    upstreams: tuple[str, ...]
    depends_on: tuple[str, ...]
    partial: bool = False
    services: tuple[str, ...] = ()


def _is_expression(name: str) -> bool:
    return "${" in name or "%{" in name or "{{" in name


def _has_dynamic(value: Any) -> bool:
    if isinstance(value, dict):
        return "dynamic" in value or any(_has_dynamic(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_dynamic(v) for v in value)
    return False


def _service_names(group: Mapping[str, Any]) -> list[str]:
    """The names of the ``service`` blocks of a group and of its tasks (parser's view)."""
    blocks = list(_blocks(group.get("service", [])))
    for task in _labelled(group.get("task", [])):
        blocks += _blocks(task.get("service", []))
    return [name for block in blocks if isinstance(name := block.get("name"), str)]


def derive(name: str, body: Mapping[str, Any]) -> Derived:
    """The dependencies of the raw job ``name`` from the parser's view of its block."""
    upstreams: list[str] = []
    services: list[str] = []
    for group in _labelled(body.get("group", [])):
        services += _service_names(group)
        for task in _labelled(group.get("task", [])):
            upstreams.extend(proxy_upstreams(task))
    upstreams.extend(_destination_names(body))
    meta = _merged(body.get("meta", {}))
    listed = _text(meta.get(DEPENDS_ON_META, ""))
    depends_on = [part.strip() for part in listed.split(",")]
    unread = any(_is_expression(n) for n in [*upstreams, *depends_on])
    return Derived(_unique([u for u in upstreams if not _is_expression(u)], name),
                   _unique([d for d in depends_on if not _is_expression(d)], name),
                   partial=unread or _has_dynamic(body),
                   services=tuple(dict.fromkeys(s for s in services if not _is_expression(s))))


def derive_parsed(job: Mapping[str, Any]) -> Derived:
    """The dependencies of a Job object as ``/v1/jobs/parse`` returns it."""
    name = str(job.get("ID") or job.get("Name") or "")
    upstreams: list[str] = []
    names: list[str] = []
    for group in job.get("TaskGroups") or []:
        services = list(group.get("Services") or [])
        for task in group.get("Tasks") or []:
            upstreams.extend(proxy_upstreams({"config": task.get("Config") or {}}))
            services.extend(task.get("Services") or [])
        for service in services:
            names.append(_text(service.get("Name")))
            sidecar = ((service.get("Connect") or {}).get("SidecarService") or {})
            proxy = sidecar.get("Proxy") or {}
            upstreams.extend(_text(u.get("DestinationName", ""))
                             for u in proxy.get("Upstreams") or [])
    listed = _text((job.get("Meta") or {}).get(DEPENDS_ON_META, ""))
    return Derived(_unique(upstreams, name),
                   _unique([part.strip() for part in listed.split(",")], name),
                   services=tuple(dict.fromkeys(n for n in names if n)))


def with_parsed_dependencies(config: Config, parsed: Mapping[str, Mapping[str, Any]]) -> Config:
    """``config`` with each raw job's dependencies read from the Job Nomad parsed."""
    jobs = []
    for job in config.jobs:
        found = parsed.get(job.name)
        if found is None:
            jobs.append(job)
            continue
        derived = derive_parsed(found)
        jobs.append(replace(job, upstreams=derived.upstreams, depends_on=derived.depends_on,
                            services=derived.services, partial=False))
    return replace(config, jobs=tuple(jobs))
