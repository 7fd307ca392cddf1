"""Variable declarations and their values, later wins:

``default``, environment ``NCPLAN_VAR_<name>``, ``*.ncvars.hcl`` files (name order),
``--var-file FILE`` (in the order given), ``--var name=value`` (in the order given).
Values from the environment and ``--var`` are text, converted to the declared type;
list and map values are read as HCL expressions. Values written in HCL (defaults, variable
files, list and map expressions) read ``$${`` and ``%%{`` as HCL does (``${`` and ``%{``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from ncplan.config.body import Body, read_body
from ncplan.config.collector import Sink, Where, offset_pos
from ncplan.config.hcl import parse_expression
from ncplan.config.interpolate import unescape
from ncplan.config.model import Variable
from ncplan.config.schema import VARIABLE
from ncplan.config.syntax import ParsedFile, RawBlock
from ncplan.config.types import (
    ANY,
    STRING,
    Mismatch,
    TypeExpr,
    TypeSyntaxError,
    conform,
    parse_type,
    phrase,
    type_source,
)

ENV_PREFIX = "NCPLAN_VAR_"


@dataclass(frozen=True)
class ValueFile:
    """A file of ``name = value`` lines: a ``*.ncvars.hcl`` or a ``--var-file``."""

    name: str
    parsed: ParsedFile


def _declared_type(body: Body, sink: Sink) -> TypeExpr:
    """The ``type`` of a variable, read from its source text; ``string`` when absent."""
    place = body.places.get("type")
    if place is None:
        return STRING
    text = sink.text_of(place)
    source, offset = type_source(text)
    try:
        return parse_type(source)
    except TypeSyntaxError as error:
        at = place.pos.start + offset + error.offset
        text_all = sink.texts.get(place.file, "")
        sink.error(error.message, Where(place.file, offset_pos(text_all, at, at + 1)))
        return ANY


def _check_validations(name: str, body: Body, sink: Sink) -> None:
    """ncplan does not evaluate conditions: a ``validation`` block is a located error."""
    for block in body.blocks.get("validation", []):
        sink.error(f'validation blocks are not evaluated in ncplan files (variable "{name}")',
                   Where(body.file, block.pos),
                   "ncplan checks validation only in Nomad jobspec files (*.nomad.hcl), "
                   "where Nomad evaluates it; check the value with its type, or move the job "
                   "and its variable into a jobspec file")


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
        _check_validations(name, body, sink)
        kind = _declared_type(body, sink)
        nullable = body.get("nullable", True)
        default = unescape(body.get("default"))
        if default is not None:
            try:
                default = conform(default, kind)
            except Mismatch as mismatch:
                sink.error(f'wrong type for the default of variable "{name}": {mismatch}',
                           body.place("default"))
                default = None
        declared[name] = Variable(
            name=name, type=kind, default=default,
            description=body.get("description", ""), sensitive=body.get("sensitive", False),
            nullable=nullable, value=default, span=sink.span(where),
        )
    return declared


def _conform(value: Any, variable: Variable) -> Any:
    """``value`` converted to the variable's type; raises ``Mismatch``."""
    if value is None:
        if variable.nullable:
            return None
        raise Mismatch(f"expected {phrase(variable.type)}, got null (the variable is not "
                       "nullable)")
    return conform(value, variable.type)


def _from_text(text: str, variable: Variable) -> Any:
    """A value given as text (``--var``, environment): strings as they are, anything else
    read as an HCL expression, as Terraform reads them."""
    if variable.type == STRING:
        return text
    try:
        value = unescape(parse_expression(text))
    except ValueError:
        value = text
    if value == "${null}":
        value = None
    return _conform(value, variable)


def resolve(declared: Mapping[str, Variable], env: Mapping[str, str],
            value_files: Sequence[ValueFile], overrides: Sequence[str],
            sink: Sink, elsewhere: Collection[str] = ()) -> dict[str, Variable]:
    """Every declared variable with its value; a variable left without one is an error.

    ``elsewhere``: names the jobspec files declare (values for them are not undeclared).
    """
    values = _Values(declared, sink)
    values.from_env(env)
    for value_file in value_files:
        values.from_file(value_file, elsewhere)
    values.from_overrides(overrides, elsewhere)
    resolved: dict[str, Variable] = {}
    for name, variable in declared.items():
        if name not in values.values and name not in values.given:
            sink.error(
                f'variable "{name}" has no value', variable.span,
                f"set it with --var {name}=VALUE, {ENV_PREFIX}{name}, a *.ncvars.hcl file, "
                "or a default",
            )
        resolved[name] = replace(variable, value=values.values.get(name))
    return resolved


class _Values:
    """The values given so far, later wins; wrong ones are reported where they are given."""

    def __init__(self, declared: Mapping[str, Variable], sink: Sink) -> None:
        self.declared = declared
        self.sink = sink
        self.values: dict[str, Any] = {n: v.default for n, v in declared.items()
                                       if v.default is not None}
        self.given: set[str] = set()  # names set somewhere, even to a wrong value

    def assign(self, name: str, convert: Callable[[], Any], wrong_type: str,
               where: Where | None) -> None:
        """Record that ``name`` was given; keep its value or report it as the wrong type."""
        self.given.add(name)
        try:
            self.values[name] = convert()
        except Mismatch as mismatch:
            variable = self.declared[name]
            shown = f"expected {phrase(variable.type)}, got (sensitive value)" \
                if variable.sensitive else str(mismatch)
            self.sink.error(f"{wrong_type}: {shown}", where)

    def from_env(self, env: Mapping[str, str]) -> None:
        for name, variable in self.declared.items():
            text = env.get(ENV_PREFIX + name)
            if text is not None:
                self.assign(name, partial(_from_text, text, variable),
                            f"wrong type in {ENV_PREFIX}{name}", None)

    def from_file(self, value_file: ValueFile, elsewhere: Collection[str]) -> None:
        for block in value_file.parsed.blocks:
            self.sink.error(f'unexpected {block.type} block in variable file {value_file.name}',
                            Where(value_file.name, block.pos),
                            "a variable file holds only name = value lines")
        for attribute in value_file.parsed.attributes:
            where = Where(value_file.name, attribute.pos)
            declared_var = self.declared.get(attribute.name)
            if declared_var is None and attribute.name in elsewhere:
                continue
            if declared_var is None:
                self.sink.warning(f'value for undeclared variable "{attribute.name}"', where,
                                  f'declare it with a variable "{attribute.name}" {{}} block, '
                                  "or remove the line")
                continue
            self.assign(attribute.name,
                        partial(_conform, hcl_literal(attribute.value), declared_var),
                        f'wrong type for variable "{attribute.name}"', where)

    def from_overrides(self, overrides: Sequence[str], elsewhere: Collection[str]) -> None:
        for override in overrides:
            split = split_override(override)
            if split is None:
                self.sink.error(f'invalid --var "{override}": expected name=value', None)
                continue
            name, text = split
            target = self.declared.get(name)
            if target is None and name in elsewhere:
                continue
            if target is None:
                self.sink.error(f'--var for undeclared variable "{name}"', None,
                                f'declare it with a variable "{name}" {{}} block')
                continue
            self.assign(name, partial(_from_text, text, target),
                        f"wrong type in --var {name}", None)


def split_override(override: str) -> tuple[str, str] | None:
    """``--var name=value`` -> ``(name, value)``; None without ``=`` or a name."""
    name, sep, text = override.partition("=")
    name = name.strip()
    return (name, text) if sep and name else None


def hcl_literal(value: Any) -> Any:
    """A value written in HCL (a variable file line): ``null`` is python-hcl2's ``${null}``."""
    value = unescape(value)
    return None if value == "${null}" else value
