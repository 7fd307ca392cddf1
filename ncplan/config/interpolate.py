"""Expanding ``${var.x}``, bare ``var.x`` and ``${upstream.NAME}`` in attribute values.

A string that is exactly ``${var.x}`` takes the variable's value with its type; inside a
longer string the value is written as text. ``${upstream.NAME}`` becomes the address the
app dials through its sidecar. Every other ``${...}`` (NOMAD_*, attr.*, meta.*, node.*,
env) is left for Nomad.

``$${`` and ``%%{`` are HCL's escapes for a literal ``${`` and ``%{``. The parser keeps
them as written (as python-hcl2 did), so they are undone here, in the same left-to-right
scan that finds the references: the expanded value holds the literal (``$${X}`` ->
``${X}``; ``$$${X}`` -> ``$${X}``, as HCL reads it), and an escaped ``$${var.x}`` is not
a reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ncplan.config.collector import Sink, Where
from ncplan.config.model import env_label, upstream_port_label

if TYPE_CHECKING:
    from ncplan.config.locals import Local

# An escape ($${ or %%{) or a reference ${...}, leftmost first, as HCL scans a template.
_TOKEN = re.compile(r"(?P<escape>([$%])\2\{)|\$\{(?P<inner>[^}]*)\}")
_ESCAPE = re.compile(r"([$%])\1\{")
_STEPS = r'((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\s*(?:\d+|"[^"\\]*")\s*\])*)'
_VAR_REF = re.compile(r"^\s*var\.([A-Za-z_][A-Za-z0-9_-]*)" + _STEPS + r"\s*$")
_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*(\d+)\s*\]|\[\s*"([^"\\]*)"\s*\]')
_UPSTREAM_REF = re.compile(r"^\s*upstream\.([A-Za-z0-9_-]+)\s*$")
_LOCAL_REF = re.compile(r"^\s*local\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_VAR_ANYWHERE = re.compile(r"(?<![\w.])(var|local)\.[A-Za-z_]")
_UPSTREAM_ANYWHERE = re.compile(r"(?<![\w.])upstream\.[A-Za-z0-9_]")


class Invalid:
    """The value could not be expanded; a diagnostic was already recorded."""


INVALID = Invalid()


def upstream_address(name: str, sidecar: str) -> str:
    """What ``${upstream.NAME}`` expands to for a builtin or an envoy sidecar."""
    if sidecar == "envoy":
        return "${NOMAD_UPSTREAM_ADDR_" + env_label(name) + "}"
    return "127.0.0.1:${NOMAD_PORT_" + upstream_port_label(name) + "}"


def unescape(value: Any) -> Any:
    """``value`` (a python-hcl2 value) with ``$${`` and ``%%{`` read as ``${`` and ``%{``."""
    if isinstance(value, str):
        return _ESCAPE.sub(r"\1{", value)
    if isinstance(value, list):
        return [unescape(item) for item in value]
    if isinstance(value, dict):
        return {key: unescape(item) for key, item in value.items()}
    return value


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True)


class Expander:
    """Expands references for one block; ``upstreams`` is None outside services."""

    def __init__(self, sink: Sink, variables: Mapping[str, Any],
                 upstreams: Mapping[str, str] | None = None, owner: str = "",
                 locals_: Mapping[str, Local] | None = None) -> None:
        self.sink = sink
        self.variables = variables
        self.upstreams = upstreams
        self.owner = owner
        self.locals = locals_ or {}

    def with_upstreams(self, upstreams: Mapping[str, str], owner: str) -> Expander:
        return Expander(self.sink, self.variables, upstreams, owner, self.locals)

    def expand(self, value: Any, where: Where) -> Any:
        """The expanded value, or ``INVALID`` after recording every problem in it."""
        if isinstance(value, str):
            return self._string(value, where)
        if isinstance(value, list):
            items = [self.expand(item, where) for item in value]
            return INVALID if any(item is INVALID for item in items) else items
        if isinstance(value, dict):
            pairs = {key: self.expand(item, where) for key, item in value.items()}
            return INVALID if any(item is INVALID for item in pairs.values()) else pairs
        return value

    def _string(self, text: str, where: Where) -> Any:
        if "{" not in text:  # no reference and no escape: most strings
            return text
        matches = list(_TOKEN.finditer(text))
        if not matches:
            return text
        whole = len(matches) == 1 and matches[0].span() == (0, len(text))
        failed = False
        parts: list[str] = []
        last = 0
        for match in matches:
            parts.append(text[last:match.start()])
            last = match.end()
            if match.group("escape"):
                parts.append(match.group("escape")[1:])  # $${ -> ${, %%{ -> %{
                continue
            replaced = self._reference(match.group("inner"), where)
            if replaced is INVALID:
                failed = True
                continue
            if replaced is None:
                parts.append(match.group(0))
                continue
            if whole:
                return replaced
            parts.append(as_text(replaced))
        parts.append(text[last:])
        return INVALID if failed else "".join(parts)

    def _reference(self, inner: str, where: Where) -> Any:
        """The value for ``${inner}``; None to leave it for Nomad; INVALID on error."""
        var = _VAR_REF.match(inner)
        if var:
            name = var.group(1)
            if name in self.variables:
                # INVALID: declared but without a value, already reported at its block.
                return self._traverse(name, self.variables[name], var.group(2), where)
            self.sink.error(
                f'undefined variable "{name}"',
                self.sink.find(where, f"var.{name}"),
                f'declare it with a variable "{name}" {{ ... }} block, or fix the name',
            )
            return INVALID
        local = _LOCAL_REF.match(inner)
        if local:
            return self._local(local.group(1), where)
        upstream = _UPSTREAM_REF.match(inner)
        if upstream:
            return self._upstream(upstream.group(1), where)
        if _VAR_ANYWHERE.search(inner) or _UPSTREAM_ANYWHERE.search(inner):
            self.sink.error(
                f"unsupported expression ${{{inner}}}",
                where,
                "ncplan expands plain references only: ${var.NAME}, ${local.NAME} or "
                "${upstream.NAME}",
            )
            return INVALID
        return None

    def _traverse(self, name: str, value: Any, steps: str, where: Where) -> Any:
        """``var.name.attr["key"][0]``: the part of ``value`` the steps select."""
        path = f"var.{name}"
        for step in _STEP.finditer(steps):
            if value is INVALID or value is None:
                return value
            attr, index, key = step.groups()
            found: Any = INVALID
            if (index is not None and isinstance(value, list)  # no int() of 5,000 digits
                    and len(index) <= len(str(len(value))) and int(index) < len(value)):
                found = value[int(index)]
            elif index is None and isinstance(value, dict) and (attr or key) in value:
                found = value[attr or key]
            if found is INVALID:
                self.sink.error(f"{path} has no {step.group(0).lstrip('.')}",
                                self.sink.find(where, f"var.{name}"),
                                "the reference selects an attribute, key or index the "
                                "variable's value does not have")
                return INVALID
            value, path = found, path + step.group(0)
        return value

    def _local(self, name: str, where: Where) -> Any:
        found = self.locals.get(name)
        if found is None:
            self.sink.error(f'undefined local "{name}"', self.sink.find(where, f"local.{name}"),
                            f"define it in a locals {{ {name} = ... }} block, or fix the name")
            return INVALID
        return self.expand(found.value, found.where)

    def _upstream(self, name: str, where: Where) -> Any:
        if self.upstreams is None:
            self.sink.error(
                f"${{upstream.{name}}} is only allowed inside a service block",
                self.sink.find(where, f"upstream.{name}"),
            )
            return INVALID
        if name not in self.upstreams:
            self.sink.error(
                f'service "{self.owner}" has no upstream "{name}"',
                self.sink.find(where, f"upstream.{name}"),
                f'add an upstream "{name}" {{}} block to service "{self.owner}"',
            )
            return INVALID
        return self.upstreams[name]
