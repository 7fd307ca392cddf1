"""Dependencies of a raw ``job`` block, read from the job itself.

- ``-upstream NAME:PORT`` arguments of ``consul connect proxy`` tasks (the seed guide);
- ``destination_name`` of Connect ``upstreams`` (Nomad's native Connect);
- a job ``meta`` key ``ncplan_depends_on = "a,b"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

DEPENDS_ON_META = "ncplan_depends_on"


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


def _merged(value: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in _blocks(value):
        merged.update(item)
    return merged


def proxy_upstreams(task: Mapping[str, Any]) -> list[str]:
    """Upstream names of a task running ``consul connect proxy``."""
    config = _merged(task.get("config", {}))
    command = str(config.get("command", ""))
    args = config.get("args", [])
    if not command.rstrip("/").endswith("consul") or not isinstance(args, list):
        return []
    words = [str(a) for a in args]
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


def derive(name: str, body: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(upstreams, depends_on)`` of the raw job ``name`` with python-hcl2 body ``body``."""
    upstreams: list[str] = []
    for group in _labelled(body.get("group", [])):
        for task in _labelled(group.get("task", [])):
            upstreams.extend(proxy_upstreams(task))
    upstreams.extend(_destination_names(body))
    meta = _merged(body.get("meta", {}))
    listed = str(meta.get(DEPENDS_ON_META, ""))
    depends_on = [part.strip() for part in listed.split(",")]
    return _unique(upstreams, name), _unique(depends_on, name)
