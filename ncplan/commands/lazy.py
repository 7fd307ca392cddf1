"""Command groups whose commands are imported when they run, not when ``ncplan`` starts.

A command module pulls in the configuration loader, the planner, the providers and
``requests``; importing all of them made ``ncplan --version`` wait for every one. A
:class:`LazyGroup` knows its commands by name (``"plan": "ncplan.commands.plan:command"``)
and builds a command, with its help text, the first time it is asked for it: ``ncplan
plan`` imports the plan command only, ``ncplan --help`` imports them all to list them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import typer.core
import typer.main
import typer.models

from ncplan.commands.help_style import Context, HelpCommand, restyle

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


class LazyGroup(typer.core.TyperGroup):
    """A typer group with lazily imported commands; subclasses set the table.

    ``lazy_commands``: name -> ``"module:function"``; ``wrap``: applied to each function
    (the CLI's one error handler); both set by :func:`lazy_group`.
    """

    lazy_commands: ClassVar[Mapping[str, str]] = {}
    wrap: ClassVar[Wrap | None] = None

    def list_commands(self, ctx: Context) -> list[str]:
        return [*self.lazy_commands, *(n for n in self.commands if n not in self.lazy_commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.commands[cmd_name] = self._build(cmd_name)
        return self.commands.get(cmd_name)

    def get_params(self, ctx: Context) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for param in params:
            restyle(param)
        return params

    def _build(self, name: str) -> Any:
        module_name, _, attribute = self.lazy_commands[name].partition(":")
        func = getattr(importlib.import_module(module_name), attribute)
        wrap = type(self).wrap
        callback = wrap(func) if wrap is not None else func
        info = typer.models.CommandInfo(name=name, cls=HelpCommand, callback=callback)
        return typer.main.get_command_from_info(
            info, pretty_exceptions_short=True, rich_markup_mode="markdown")


def lazy_group(commands: Mapping[str, str], wrap: Wrap) -> type[LazyGroup]:
    """A :class:`LazyGroup` class for ``typer.Typer(cls=...)`` with these commands."""
    return type("LazyGroup", (LazyGroup,), {"lazy_commands": dict(commands),
                                            "wrap": staticmethod(wrap)})
