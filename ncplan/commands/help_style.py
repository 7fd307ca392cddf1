"""Help in the house style of Terraform and Nomad, for every command.

Typer shows a parameter's Python type (``--json <bool>``, ``<list[str]>``,
``<int range> [x>=1]``) and writes a required argument as ``{address}``. Here, as in
``terraform -help``: a flag has no metavar; an option that takes a value shows its
declared metavar (``ADDR``, ``FILE``, ``N``, ``DURATION``, ``NAME=VALUE``); an argument
is its metavar, bare when required and ``[IN_BRACKETS]`` when optional.

Terraform's single-dash spellings (``-out``, ``-auto-approve``, ``-var``) are declared
with the options they stand for, so click parses them as names (not as ``-o -u -t``
bundled), ``-out FILE`` and ``-out=FILE`` alike; help lists only the double-dash names
and says once, at the top, that the single-dash ones work.

The command class swaps each of its parameters to the subclasses below when it lists
them: typer builds the parameters and has no hook to choose their class.
"""

from __future__ import annotations

from typing import Any

import typer.core

Context = Any  # click's Context: typer vendors click and we do not import click directly


def is_terraform_alias(name: str) -> bool:
    """``-out``, ``-auto-approve``: one dash, a whole word (``-C``, ``-h`` are short names)."""
    return name.startswith("-") and not name.startswith("--") and len(name) > 2


class HelpOption(typer.core.TyperOption):
    """An option: its metavar for a value, nothing for a flag, no range note; its
    single-dash aliases parsed but not shown."""

    aliases: list[str]

    def add_to_parser(self, parser: Any, ctx: Context) -> None:
        shown = self.opts
        self.opts = [*shown, *self.aliases]
        try:
            super().add_to_parser(parser, ctx)
        finally:
            self.opts = shown

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar

    def _get_number_range_help_str(self) -> str | None:
        return None


class HelpArgument(typer.core.TyperArgument):
    """An argument: its metavar in the name column, no type column."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if not self.required:
            name = f"[{name}]"
        return f"{name}..." if self.nargs != 1 else name


def restyle(param: object) -> None:
    """Give a typer parameter this module's help style (idempotent)."""
    if type(param) is typer.core.TyperOption:
        param.__class__ = HelpOption
        option: HelpOption = param  # type: ignore[assignment]
        option.aliases = [name for name in option.opts if is_terraform_alias(name)]
        option.opts = [name for name in option.opts if not is_terraform_alias(name)]
    elif type(param) is typer.core.TyperArgument:
        param.__class__ = HelpArgument


class HelpCommand(typer.core.TyperCommand):
    """A command whose help and usage line follow the house style."""

    def get_params(self, ctx: Context) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:
            restyle(param)
        return params
