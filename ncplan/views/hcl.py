"""The Job object -> a Nomad jobspec (HCL2) a person can read and ``nomad job run`` takes.

Pure and deterministic. Only the shape :mod:`ncplan.resources.nomad_job` produces is known
(job / group / network / port / service / connect / sidecar_service / proxy / upstreams /
task / config / env / resources); task ``config`` is written as attributes, nested maps
and lists as HCL objects and tuples. ``=`` signs of consecutive attributes are aligned as
``nomad fmt`` does. Consul config entries are written as commented HCL (``consul config
write`` takes them once uncommented) so the output stays a valid jobspec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

INDENT = "  "
MAX_INLINE_LIST = 60
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


# ``${`` to escape: all but a plain reference (``${NOMAD_PORT_x}``, ``${attr.a.b}``),
# which Nomad's HCL keeps as written for its runtime; ``$${X}`` is written ``$$${X}``.
_PLAIN_REFERENCE = r"(?!var\.|local\.)[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*\}"
_TO_ESCAPE = re.compile(r"(?<=\$)\$\{|\$\{(?!" + _PLAIN_REFERENCE + ")")


def hcl_string(value: str) -> str:
    """A quoted HCL string that Nomad reads back as ``value``: ``%{`` and ``${`` escaped."""
    text = json.dumps(value, ensure_ascii=False).replace("%{", "%%{")
    return _TO_ESCAPE.sub("$${", text)


def hcl_key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else hcl_string(key)


def hcl_value(value: Any, depth: int = 0) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = INDENT * (depth + 1)
        body = _align([(hcl_key(str(k)), hcl_value(v, depth + 1)) for k, v in value.items()])
        return "{\n" + "".join(f"{pad}{line}\n" for line in body) + INDENT * depth + "}"
    if isinstance(value, Sequence):
        items = [hcl_value(v, depth + 1) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) <= MAX_INLINE_LIST and "\n" not in flat:
            return flat
        pad = INDENT * (depth + 1)
        return "[\n" + "".join(f"{pad}{item},\n" for item in items) + INDENT * depth + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _align(attributes: Sequence[tuple[str, str]]) -> list[str]:
    width = max((len(k) for k, _ in attributes), default=0)
    return [f"{k.ljust(width)} = {v}" for k, v in attributes]


class _Writer:
    """Accumulates lines; consecutive attributes are aligned, blocks separated by blanks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self._pending: list[tuple[str, str]] = []

    def attr(self, key: str, value: Any) -> None:
        self._pending.append((hcl_key(key), hcl_value(value, self.depth)))

    def _flush(self) -> None:
        pad = INDENT * self.depth
        self.lines.extend(pad + line for line in _align(self._pending))
        self._pending = []

    def open(self, head: str) -> None:
        self._flush()
        previous = self.lines[-1] if self.lines else "{"
        if not previous.endswith("{") and not (previous.endswith("{}")
                                               and previous.strip().split()[0] == head.split()[0]):
            self.lines.append("")
        self.lines.append(f"{INDENT * self.depth}{head} {{")
        self.depth += 1

    def close(self) -> None:
        self._flush()
        self.depth -= 1
        if self.lines[-1].endswith("{"):
            self.lines[-1] += "}"
        else:
            self.lines.append(f"{INDENT * self.depth}}}")

    def block(self, head: str, attributes: Mapping[str, Any]) -> None:
        self.open(head)
        for key, value in attributes.items():
            self.attr(key, value)
        self.close()

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines) + "\n"


def job_to_hcl(job: Mapping[str, Any]) -> str:
    """One ``job "ID" { ... }`` jobspec."""
    w = _Writer()
    w.open(f"job {hcl_string(str(job['ID']))}")
    if job.get("Name") not in (None, job["ID"]):
        w.attr("name", job["Name"])
    w.attr("datacenters", job.get("Datacenters", []))
    w.attr("type", job.get("Type", "service"))
    if job.get("Meta"):
        w.block("meta", job["Meta"])
    for group in job.get("TaskGroups", []):
        _group(w, group)
    w.close()
    return w.text()


def _group(w: _Writer, group: Mapping[str, Any]) -> None:
    w.open(f"group {hcl_string(str(group['Name']))}")
    w.attr("count", group.get("Count", 1))
    for network in group.get("Networks") or []:
        w.open("network")
        if network.get("Mode"):
            w.attr("mode", network["Mode"])
        for port in network.get("DynamicPorts") or []:
            w.block(f"port {hcl_string(str(port['Label']))}",
                    {"to": port["To"]} if "To" in port else {})
        w.close()
    for service in group.get("Services") or []:
        _service(w, service)
    for task in group.get("Tasks", []):
        _task(w, task)
    w.close()


def _service(w: _Writer, service: Mapping[str, Any]) -> None:
    w.open("service")
    w.attr("name", service["Name"])
    if service.get("PortLabel"):
        w.attr("port", service["PortLabel"])
    if service.get("Provider"):
        w.attr("provider", service["Provider"])
    connect = service.get("Connect")
    if connect is not None:
        w.open("connect")
        sidecar = connect.get("SidecarService")
        if sidecar is not None:
            w.open("sidecar_service")
            proxy = sidecar.get("Proxy")
            if proxy is not None:
                w.open("proxy")
                for upstream in proxy.get("Upstreams") or []:
                    w.block("upstreams", {"destination_name": upstream["DestinationName"],
                                          "local_bind_port": upstream["LocalBindPort"]})
                w.close()
            w.close()
        w.close()
    w.close()


def _task(w: _Writer, task: Mapping[str, Any]) -> None:
    w.open(f"task {hcl_string(str(task['Name']))}")
    w.attr("driver", task["Driver"])
    if task.get("Config"):
        w.block("config", task["Config"])
    if task.get("Env"):
        w.block("env", task["Env"])
    resources = task.get("Resources")
    if resources:
        w.block("resources", {"cpu": resources["CPU"], "memory": resources["MemoryMB"]})
    for service in task.get("Services") or []:
        _service(w, service)
    w.close()


def config_entry_to_hcl(entry: Mapping[str, Any]) -> str:
    """A Consul config entry in HCL, the form ``consul config write`` takes."""
    w = _Writer()
    for key, value in entry.items():
        w.attr(key, value)
    return w.text()


def commented(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())
