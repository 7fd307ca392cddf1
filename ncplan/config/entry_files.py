"""``*.consul.hcl`` / ``*.consul.json``: one Consul config entry per file -> ``ConsulEntry``.

The HCL is read as ``consul config write`` reads it (``entry_syntax``: blocks inside list
items are objects); the JSON as JSON. Every typed part keeps its ``file:line:col``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ncplan.config.collector import Sink, Where, offset_pos
from ncplan.config.entry_model import (
    ConsulEntry,
    GatewayService,
    IngressGateway,
    ProtocolEntry,
    ResolverTarget,
    RouteDestination,
    ServiceResolver,
    ServiceRouter,
    ServiceSplitter,
    Split,
    Typed,
)
from ncplan.config.entry_syntax import Rewritten, hcl1_blocks_as_attributes
from ncplan.config.hcl import parse_hcl, value_pos
from ncplan.config.syntax import ParsedFile, Pos
from ncplan.diagnostics import SourceSpan

ENTRY_SUFFIXES = (".consul.hcl", ".consul.json")
Path = tuple[str | int, ...]

_MATCH_FORM = """Routes = [
  {
    Match = { HTTP = { PathPrefix = "/admin" } }
    Destination = { Service = "admin" }
  },
]"""


def is_entry_file(name: str) -> bool:
    return name.endswith(ENTRY_SUFFIXES)


def canonical(key: str) -> str:
    """A key as Consul matches it to a field: case and ``_`` do not count."""
    return key.replace("_", "").lower()


def lookup(mapping: Mapping[str, Any], name: str) -> tuple[str, Any] | None:
    """The key as written and its value for the field ``name``, or ``None``."""
    wanted = canonical(name)
    for key, item in mapping.items():
        if canonical(key) == wanted:
            return key, item
    return None


@dataclass(frozen=True)
class _Locator:
    """Where a value of the body stands: ``at(path)`` with the keys as written.

    ``attributes`` are the places of the parsed text's top-level attributes; a JSON file
    is parsed as the one attribute ``E={...}`` (``wrapped``), so its paths start inside it.
    """

    file: str
    text: str
    parsed_text: str
    attributes: Mapping[str, Pos]
    to_original: Callable[[int], int]
    wrapped: bool = False

    def at(self, path: Path) -> SourceSpan:
        if self.wrapped:
            top, inner = self.attributes.get(_JSON_KEY), path
        else:
            top, inner = (self.attributes.get(str(path[0])), path[1:]) if path else (None, ())
        if top is None or (self.wrapped and not path):
            return SourceSpan(self.file, 1, 1)
        pos = (value_pos(self.parsed_text, top, inner) if inner else None) or top
        start, end = self.to_original(pos.start), self.to_original(pos.end)
        found = offset_pos(self.text, start, max(start, end))
        return SourceSpan(self.file, found.line, found.column, found.end_line,
                          found.end_column)


def _syntax_errors(name: str, parsed: ParsedFile, rewritten: Rewritten, text: str,
                   sink: Sink) -> None:
    for problem in parsed.errors:
        line_start = 0
        for _ in range(problem.line - 1):
            line_start = rewritten.text.find("\n", line_start) + 1
        original = rewritten.original_offset(line_start + problem.column - 1)
        pos = offset_pos(text, original, original + 1)
        sink.error(f"syntax error: {problem.message}", Where(name, pos),
                   "a config entry file holds one entry in the HCL or JSON that "
                   "`consul config write` takes")


def _read_hcl(name: str, text: str, sink: Sink) -> tuple[dict[str, Any], _Locator] | None:
    rewritten = hcl1_blocks_as_attributes(text)
    for repeated in rewritten.repeated:
        first = offset_pos(text, repeated.first, repeated.first)
        sink.error(f'"{repeated.name}" is given twice as a block in one object',
                   Where(name, offset_pos(text, repeated.start,
                                          repeated.start + len(repeated.name))),
                   f"Consul reads repeated blocks as a list (the first is at line "
                   f"{first.line}); write the list out: "
                   f"{repeated.name} = [ {{ ... }}, {{ ... }} ]")
    parsed = parse_hcl(rewritten.text)
    if parsed.errors:
        _syntax_errors(name, parsed, rewritten, text, sink)
        return None
    for block in parsed.blocks:  # only a labelled block is left: `Name "label" { }`
        start = rewritten.original_offset(block.pos.start)
        sink.error(f'the labelled block "{block.type}" is not an entry field',
                   Where(name, offset_pos(text, start, start + len(block.type))),
                   "write fields as attributes; a nested object as NAME = { ... }, "
                   "a list of objects as\n" + _MATCH_FORM)
    if rewritten.repeated or parsed.blocks:
        return None
    body = {a.name: a.value for a in parsed.attributes}
    locator = _Locator(name, text, rewritten.text, {a.name: a.pos for a in parsed.attributes},
                       rewritten.original_offset)
    return body, locator


_JSON_KEY = "E"
_JSON_PREFIX = _JSON_KEY + "="


def _read_json(name: str, text: str, sink: Sink) -> tuple[dict[str, Any], _Locator] | None:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        sink.error(f"invalid JSON: {error.msg}",
                   Where(name, offset_pos(text, error.pos, error.pos + 1)))
        return None
    if not isinstance(body, dict):
        sink.error("a config entry file holds one JSON object",
                   Where(name, offset_pos(text, 0, 1)))
        return None
    # HCL 2 reads JSON's objects, lists and literals: its parse of E={...} gives the
    # places (none, and every message points at line 1, if it cannot parse it).
    located = parse_hcl(_JSON_PREFIX + text)
    attributes = {} if located.errors else {a.name: a.pos for a in located.attributes}
    return body, _Locator(name, text, _JSON_PREFIX + text, attributes,
                          lambda offset: max(0, offset - len(_JSON_PREFIX)), wrapped=True)


def read_entry_file(name: str, text: str, sink: Sink) -> ConsulEntry | None:
    """The entry of one file, or ``None`` after reporting why it cannot be read."""
    read = _read_json(name, text, sink) if name.endswith(".json") else \
        _read_hcl(name, text, sink)
    if read is None:
        return None
    body, locator = read
    kind = _string_field(body, "Kind", locator, sink)
    if kind is None:
        return None
    if kind == "service-intentions":
        sink.error("a service-intentions entry file would fight the intention blocks",
                   locator.at(((lookup(body, "Kind") or ("Kind", None))[0],)),
                   f'declare each source as an intention block instead, for example\n'
                   f'intention "web" "{_plain(body, "Name") or "api"}" {{ action = "allow" }}')
        return None
    entry_name = _string_field(body, "Name", locator, sink)
    if entry_name is None:
        return None
    reader = _Reader(entry_name, locator, sink)
    typed = _TYPED.get(kind, lambda _reader, _body: None)(reader, body)
    kind_key = (lookup(body, "Kind") or ("Kind", None))[0]
    return ConsulEntry(kind, entry_name, body, name, locator.at((kind_key,)), typed)


def _plain(body: Mapping[str, Any], field: str) -> str:
    found = lookup(body, field)
    return found[1] if found is not None and isinstance(found[1], str) else ""


def _string_field(body: Mapping[str, Any], field: str, locator: _Locator,
                  sink: Sink) -> str | None:
    found = lookup(body, field)
    if found is None:
        sink.error(f"the entry has no {field}", locator.at(()),
                   f'every entry names its {field}, for example {field} = "..." '
                   "(as `consul config write` requires)")
        return None
    key, item = found
    if not isinstance(item, str) or not item:
        sink.error(f"{field} must be a non-empty string", locator.at((key,)))
        return None
    return item


@dataclass(frozen=True)
class _Reader:
    """Typed reading of one entry's body, with places for every part."""

    name: str
    locator: _Locator
    sink: Sink

    def field(self, mapping: Mapping[str, Any], name: str, path: Path
              ) -> tuple[Any, Path] | None:
        found = lookup(mapping, name)
        return None if found is None else (found[1], (*path, found[0]))

    def text(self, mapping: Mapping[str, Any], name: str, path: Path) -> str:
        found = self.field(mapping, name, path)
        if found is None or found[0] is None:
            return ""
        if not isinstance(found[0], str):
            self.sink.error(f"{name} must be a string", self.locator.at(found[1]))
            return ""
        return found[0]

    def objects(self, mapping: Mapping[str, Any], name: str, path: Path
                ) -> list[tuple[Mapping[str, Any], Path]]:
        """A list of objects; a single object is a list of one (Consul's weak decoding)."""
        found = self.field(mapping, name, path)
        if found is None or found[0] is None:
            return []
        items, where = found
        if isinstance(items, Mapping):
            return [(items, where)]
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            self.sink.error(f"{name} must be a list of objects", self.locator.at(where))
            return []
        return [(item, (*where, index)) for index, item in enumerate(items)]

    def obj(self, mapping: Mapping[str, Any], name: str, path: Path
            ) -> tuple[Mapping[str, Any], Path] | None:
        """An object; a list of one object is that object (``HookWeakDecodeFromSlice``)."""
        found = self.field(mapping, name, path)
        if found is None or found[0] is None:
            return None
        item, where = found
        if isinstance(item, list) and len(item) == 1 and isinstance(item[0], Mapping):
            return item[0], (*where, 0)
        if not isinstance(item, Mapping):
            self.sink.error(f"{name} must be an object", self.locator.at(where))
            return None
        return item, where

    def weight(self, mapping: Mapping[str, Any], path: Path) -> float | None:
        found = self.field(mapping, "Weight", path)
        if found is None:
            return 0.0
        item, where = found
        if isinstance(item, bool):
            item = None
        if isinstance(item, str):  # weakly typed, as Consul's decoder takes it
            try:
                item = float(item)
            except ValueError:
                item = None
        if not isinstance(item, int | float):
            self.sink.error("Weight must be a number", self.locator.at(where))
            return None
        return float(item)


def _splitter(reader: _Reader, body: Mapping[str, Any]) -> ServiceSplitter:
    splits = []
    for split, path in reader.objects(body, "Splits", ()):
        weight = reader.weight(split, path)
        if weight is None:
            continue
        splits.append(Split(weight, reader.text(split, "Service", path) or reader.name,
                            reader.text(split, "ServiceSubset", path), reader.locator.at(path)))
    return ServiceSplitter(tuple(splits))


def _router(reader: _Reader, body: Mapping[str, Any]) -> ServiceRouter:
    destinations = []
    for route, path in reader.objects(body, "Routes", ()):
        found = reader.obj(route, "Destination", path)
        destination, where = found if found is not None else ({}, path)
        destinations.append(RouteDestination(
            reader.text(destination, "Service", where) or reader.name,
            reader.text(destination, "ServiceSubset", where), reader.locator.at(where)))
    return ServiceRouter(tuple(destinations))


def _target(reader: _Reader, mapping: Mapping[str, Any], path: Path) -> ResolverTarget:
    return ResolverTarget(reader.text(mapping, "Service", path) or reader.name,
                          reader.text(mapping, "ServiceSubset", path), reader.locator.at(path))


def _resolver(reader: _Reader, body: Mapping[str, Any]) -> ServiceResolver:
    subsets = reader.field(body, "Subsets", ())
    names: tuple[str, ...] = ()
    if subsets is not None and isinstance(subsets[0], Mapping):
        names = tuple(str(key) for key in subsets[0])
    elif subsets is not None and subsets[0] is not None:
        reader.sink.error("Subsets must be an object of subsets by name",
                          reader.locator.at(subsets[1]))
    default = reader.field(body, "DefaultSubset", ())
    targets: list[ResolverTarget] = []
    redirect = reader.obj(body, "Redirect", ())
    if redirect is not None:
        targets.append(_target(reader, *redirect))
    failover = reader.field(body, "Failover", ())
    if failover is not None and isinstance(failover[0], Mapping):
        for key, item in failover[0].items():
            if not isinstance(item, Mapping):
                continue
            path = (*failover[1], key)
            if lookup(item, "Service") is not None or lookup(item, "ServiceSubset"):
                targets.append(_target(reader, item, path))
            for target, where in reader.objects(item, "Targets", path):
                targets.append(_target(reader, target, where))
    return ServiceResolver(names, reader.text(body, "DefaultSubset", ()),
                           reader.locator.at(default[1]) if default else None, tuple(targets))


def _service_defaults(reader: _Reader, body: Mapping[str, Any]) -> ProtocolEntry:
    found = reader.field(body, "Protocol", ())
    return ProtocolEntry(reader.text(body, "Protocol", ()).lower(),
                         reader.locator.at(found[1]) if found else None)


def _proxy_defaults(reader: _Reader, body: Mapping[str, Any]) -> ProtocolEntry:
    config = reader.obj(body, "Config", ())
    if config is None:
        return ProtocolEntry()
    found = reader.field(config[0], "protocol", config[1])
    return ProtocolEntry(reader.text(config[0], "protocol", config[1]).lower(),
                         reader.locator.at(found[1]) if found else None)


def _ingress(reader: _Reader, body: Mapping[str, Any]) -> IngressGateway:
    services = []
    for listener, path in reader.objects(body, "Listeners", ()):
        protocol = reader.text(listener, "Protocol", path).lower() or "tcp"
        for service, where in reader.objects(listener, "Services", path):
            services.append(GatewayService(reader.text(service, "Name", where), protocol,
                                           reader.locator.at(where)))
    return IngressGateway(tuple(services))


_TYPED: dict[str, Callable[[_Reader, Mapping[str, Any]], Typed]] = {
    "service-splitter": _splitter,
    "service-router": _router,
    "service-resolver": _resolver,
    "service-defaults": _service_defaults,
    "proxy-defaults": _proxy_defaults,
    "ingress-gateway": _ingress,
}
