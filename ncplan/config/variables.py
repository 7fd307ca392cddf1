"""Variable declarations and their values, later wins:

``default``, environment ``NCPLAN_VAR_<name>``, ``*.ncvars.hcl`` files (name order),
``--var-file FILE`` (in the order given), ``--var name=value`` (in the order given).
Values from the environment and ``--var`` are text, converted to the declared type;
list and map values are read as HCL expressions. Values written in HCL (defaults, variable
files, list and map expressions) read ``$${`` and ``%%{`` as HCL does (``${`` and ``%{``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from ncplan.config.body import convert, read_body, type_phrase, value_phrase
from ncplan.config.collector import Sink, Where
from ncplan.config.hcl import parse_expression
from ncplan.config.interpolate import INVALID, unescape
from ncplan.config.model import Variable, VariableType
from ncplan.config.schema import VARIABLE
from ncplan.config.syntax import ParsedFile, RawBlock

ENV_PREFIX = "NCPLAN_VAR_"
TYPES: tuple[VariableType, ...] = ("string", "number", "bool", "list", "map")


@dataclass(frozen=True)
class ValueFile:
    """A file of ``name = value`` lines: a ``*.ncvars.hcl`` or a ``--var-file``."""

    name: str
    parsed: ParsedFile


def declare(blocks: Sequence[tuple[str, RawBlock]], sink: Sink) -> dict[str, Variable]:
    """The ``variable`` blocks, checked, with their defaults (no values yet)."""
    declared: dict[str, Variable] = {}
    for file, block in blocks:
        body = read_body(block, VARIABLE, file, sink, expander=None)
        name = block.labels[0]
        where = Where(file, block.pos)
        if name in declared:
            sink.error(f'duplicate variable "{name}"', where,
                       f"variable \"{name}\" is already declared at {declared[name].span}")
            continue
        kind = body.get("type", "string")
        if kind not in TYPES:
            sink.error(f'unknown type "{kind}" for variable "{name}"', body.place("type"),
                       "use one of: " + ", ".join(TYPES))
            kind = "string"
        default = unescape(body.get("default"))
        if default is not None:
            converted = convert(default, _attr_type(kind))
            if converted is INVALID:
                sink.error(f'wrong type for the default of variable "{name}": expected '
                           f"{type_phrase(kind)}, got {value_phrase(default)}",
                           body.place("default"))
                default = None
            else:
                default = converted
        declared[name] = Variable(
            name=name, type=cast(VariableType, kind), default=default,
            description=body.get("description", ""), sensitive=body.get("sensitive", False),
            value=default, span=sink.span(where),
        )
    return declared


def _attr_type(kind: str) -> str:
    return {"list": "list", "map": "map"}.get(kind, kind)


def _from_text(text: str, kind: str) -> Any:
    if kind == "string":
        return text
    if kind in ("list", "map"):
        try:
            value = parse_expression(text)
        except ValueError:
            return INVALID
        return convert(unescape(value), kind)
    return convert(text, kind)


def resolve(declared: Mapping[str, Variable], env: Mapping[str, str],
            value_files: Sequence[ValueFile], overrides: Sequence[str],
            sink: Sink) -> dict[str, Variable]:
    """Every declared variable with its value; a variable left without one is an error."""
    values: dict[str, Any] = {n: v.default for n, v in declared.items() if v.default is not None}
    given: set[str] = set()  # names set somewhere, even to a wrong value (reported there)

    def assign(name: str, raw: Any, value: Any, wrong_type: str, where: Where | None) -> None:
        """Record that ``name`` was given; keep ``value`` or report ``raw`` as the wrong type."""
        given.add(name)
        if value is INVALID:
            shown = "(sensitive value)" if declared[name].sensitive else value_phrase(raw)
            sink.error(f"{wrong_type}: expected {type_phrase(declared[name].type)}, "
                       f"got {shown}", where)
        else:
            values[name] = value

    for name, variable in declared.items():
        text = env.get(ENV_PREFIX + name)
        if text is not None:
            assign(name, text, _from_text(text, variable.type),
                   f"wrong type in {ENV_PREFIX}{name}", None)
    for value_file in value_files:
        for block in value_file.parsed.blocks:
            sink.error(f'unexpected {block.type} block in variable file {value_file.name}',
                       Where(value_file.name, block.pos),
                       "a variable file holds only name = value lines")
        for attribute in value_file.parsed.attributes:
            where = Where(value_file.name, attribute.pos)
            declared_var = declared.get(attribute.name)
            if declared_var is None:
                sink.warning(f'value for undeclared variable "{attribute.name}"', where,
                             f'declare it with a variable "{attribute.name}" {{}} block, '
                             "or remove the line")
                continue
            assign(attribute.name, attribute.value,
                   convert(unescape(attribute.value), declared_var.type),
                   f'wrong type for variable "{attribute.name}"', where)
    for override in overrides:
        name, sep, text = override.partition("=")
        name = name.strip()
        if not sep or not name:
            sink.error(f'invalid --var "{override}": expected name=value', None)
            continue
        target = declared.get(name)
        if target is None:
            sink.error(f'--var for undeclared variable "{name}"', None,
                       f'declare it with a variable "{name}" {{}} block')
            continue
        assign(name, text, _from_text(text, target.type), f"wrong type in --var {name}", None)
    resolved: dict[str, Variable] = {}
    for name, variable in declared.items():
        if name not in values and name not in given:
            sink.error(
                f'variable "{name}" has no value', variable.span,
                f"set it with --var {name}=VALUE, {ENV_PREFIX}{name}, a *.ncvars.hcl file, "
                "or a default",
            )
        resolved[name] = replace(variable, value=values.get(name))
    return resolved
