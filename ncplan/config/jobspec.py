"""Nomad jobspec files (``*.nomad.hcl``, ``*.nomad``) and the variable values sent with them.

A jobspec file is taken as ``nomad job run FILE`` takes it: one ``job`` block with its own
``variable`` and ``locals`` blocks, evaluated by Nomad (``/v1/jobs/parse``). ncplan reads
only what it needs from the text: the job's name, the variables it declares (to send each
one its value) and, for ``--no-refresh``, ``validate`` and ``graph``, the dependencies the
HCL text shows.

Values for a jobspec variable, later wins: ``NOMAD_VAR_<name>`` (as ``nomad job run``
reads it), ``NCPLAN_VAR_<name>``, ``*.ncvars.hcl`` files, ``--var-file``, ``--var``; an
ncplan ``variable`` of the same name gives its own resolved value instead. Text values
(environment, ``--var``) are strings for a variable typed ``string`` or untyped, and
read as HCL expressions otherwise, as Nomad reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ncplan.address import job_address
from ncplan.config.collector import Sink, Where
from ncplan.config.hcl import parse_expression
from ncplan.config.interpolate import INVALID, unescape
from ncplan.config.model import RawJob, Variable
from ncplan.config.rawjob import PARTIAL_GRAPH, derive
from ncplan.config.syntax import ParsedFile, RawBlock
from ncplan.config.types import STRING, TypeSyntaxError, parse_type, type_source
from ncplan.config.variables import ENV_PREFIX, ValueFile, hcl_literal, split_override

JOBSPEC_SUFFIXES = (".nomad.hcl", ".nomad")
NOMAD_ENV_PREFIX = "NOMAD_VAR_"

_VAR_USE = re.compile(r"(?<![\w.])var\.([A-Za-z_][A-Za-z0-9_-]*)")


def is_jobspec(name: str) -> bool:
    return name.endswith(JOBSPEC_SUFFIXES)


@dataclass(frozen=True)
class Sources:
    """Every place a variable value can come from, before ncplan's own declarations."""

    env: Mapping[str, str]
    value_files: Sequence[ValueFile]
    overrides: Sequence[str]
    ncplan: Mapping[str, Variable]


@dataclass(frozen=True)
class _Declared:
    name: str
    has_default: bool
    is_text: bool  # typed string or untyped: text values are sent as strings
    block: RawBlock


def _declared(file: str, block: RawBlock, sink: Sink) -> _Declared:
    names = {a.name: a for a in block.attributes}
    is_text = True
    if "type" in names:
        attribute = names["type"]
        text = sink.text_of(Where(file, attribute.pos))
        try:
            is_text = parse_type(type_source(text)[0]) == STRING
        except TypeSyntaxError:
            is_text = False  # Nomad reports the type itself
    return _Declared(block.labels[0] if block.labels else "", "default" in names, is_text,
                     block)


def _text_value(text: str, is_text: bool) -> Any:
    if is_text:
        return text
    try:
        return unescape(parse_expression(text))
    except ValueError:
        return text  # Nomad says what is wrong with it


def values_for(names: Sequence[str], is_text: Mapping[str, bool],
               sources: Sources) -> dict[str, Any]:
    """The values given for ``names`` by ncplan's sources (see the module docstring)."""
    found: dict[str, Any] = {}
    for name in names:
        for prefix in (NOMAD_ENV_PREFIX, ENV_PREFIX):
            text = sources.env.get(prefix + name)
            if text is not None:
                found[name] = _text_value(text, is_text[name])
    for value_file in sources.value_files:
        for attribute in value_file.parsed.attributes:
            if attribute.name in is_text:
                found[attribute.name] = hcl_literal(attribute.value)
    for override in sources.overrides:
        split = split_override(override)
        if split is None:
            continue  # reported by variables.resolve
        name, text = split
        if name in is_text:
            found[name] = _text_value(text, is_text[name])
    for name in names:
        variable = sources.ncplan.get(name)
        if variable is not None and variable.value is not None:
            found[name] = variable.value
    return found


def jobspec_variable_names(jobspecs: Sequence[tuple[str, ParsedFile]]) -> frozenset[str]:
    """The names of the variables the jobspec files declare."""
    return frozenset(b.labels[0] for _, parsed in jobspecs for b in parsed.blocks
                     if b.type == "variable" and b.labels)


def jobspec(file: str, parsed: ParsedFile, sink: Sink,
            sources: Sources) -> tuple[RawJob, Where] | None:
    """The one job of a jobspec file, with the values of the variables it declares."""
    jobs = [b for b in parsed.blocks if b.type == "job"]
    if len(jobs) != 1:
        where = Where(file, jobs[1].pos) if len(jobs) > 1 else None
        sink.error(f"{file}: a Nomad jobspec file holds exactly one job block, found "
                   f"{len(jobs)}", where,
                   "put each job in its own *.nomad.hcl file, as `nomad job run` takes them")
        return None
    block = jobs[0]
    if len(block.labels) != 1:
        sink.error('job block needs 1 label', Where(file, block.pos),
                   'write it as: job "NAME" { ... }')
        return None
    declared = [_declared(file, b, sink) for b in parsed.blocks if b.type == "variable"]
    is_text = {d.name: d.is_text for d in declared}
    values = values_for([d.name for d in declared], is_text, sources)
    for item in declared:
        if not item.has_default and item.name not in values:
            sink.error(f'{file}: variable "{item.name}" of the jobspec has no value',
                       Where(file, item.block.pos),
                       f"set it with --var {item.name}=VALUE, {ENV_PREFIX}{item.name} or "
                       f"{NOMAD_ENV_PREFIX}{item.name}, a *.ncvars.hcl file or --var-file")
    return _raw_job(file, block, sink, values), Where(file, block.pos)


def _raw_job(file: str, block: RawBlock, sink: Sink, values: Mapping[str, Any]) -> RawJob:
    name = block.labels[0]
    body = block.body if isinstance(block.body, dict) else {}
    derived = derive(name, body)
    where = Where(file, block.pos)
    if derived.partial:
        sink.warning(f'{PARTIAL_GRAPH}: job "{name}" has dynamic blocks or computed names '
                     "that only Nomad expands", where,
                     "its dependencies are read from the HCL text as far as it can be read; "
                     "with a reachable Nomad, graph and plan read them from the parsed job",
                     address=job_address(name))
    return RawJob(name=name, source=sink.texts.get(file, ""), body=body,
                  upstreams=derived.upstreams, depends_on=derived.depends_on,
                  services=derived.services, span=sink.span(where), variables=dict(values),
                  file=file, line=1, partial=derived.partial)


def inline_job(file: str, block: RawBlock, sink: Sink,
               variables: Mapping[str, Any]) -> tuple[RawJob, Where]:
    """A ``job`` block of an ncplan file: its text, plus a declaration of each ncplan
    variable it uses (appended, so Nomad's line numbers stay the file's)."""
    text = sink.text_of(Where(file, block.pos))
    used = list(dict.fromkeys(_VAR_USE.findall(text)))
    values: dict[str, Any] = {}
    for name in used:
        if name not in variables:
            sink.error(f'undefined variable "{name}" in job "{block.labels[0]}"',
                       sink.find(Where(file, block.pos), f"var.{name}"),
                       f'declare it with a variable "{name}" {{ ... }} block, or fix the name')
        elif variables[name] is not INVALID:  # INVALID: no value, reported at its block
            values[name] = variables[name]
    declarations = "".join(f'\nvariable "{name}" {{}}' for name in values)
    raw = _raw_job(file, block, sink, values)
    return replace(raw, source=text + declarations + ("\n" if declarations else ""),
                   line=block.pos.line, file=file), Where(file, block.pos)
