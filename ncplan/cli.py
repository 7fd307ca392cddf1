"""The command line: registers commands only. Each command lives in ncplan/commands/.

Errors are caught once, here: an ``NcplanError`` becomes a message on stderr and exit 1
(a traceback only with ``NCPLAN_DEBUG=1``), the configuration's sensitive values hidden
in its text (:mod:`ncplan.secret_text`). A usage error (an unknown flag or command, a
missing argument, a bad choice) is click's message on stderr and exit 1 too: click's own
code for it is 2, which ``--detailed-exitcode`` reserves for "the plan has changes".
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar, cast

import typer

from ncplan import __version__, interrupts
from ncplan.commands.help_style import HelpCommand
from ncplan.commands.lazy import lazy_group
from ncplan.errors import NcplanError
from ncplan.orchestration.context import AppContext, require_directory
from ncplan.secret_text import forget_secrets, redact_error
from ncplan.views.console import make_console
from ncplan.views.errors import render_error, render_interrupt
from ncplan.views.usage import render_aborted, render_usage_error

F = TypeVar("F", bound=Callable[..., Any])

#: Each command, by name: the function that runs it, imported when it runs.
COMMANDS = {
    "init": "ncplan.commands.init:command",
    "validate": "ncplan.commands.validate:command",
    "render": "ncplan.commands.render:command",
    "graph": "ncplan.commands.graph:command",
    "plan": "ncplan.commands.plan:command",
    "apply": "ncplan.commands.apply:apply_command",
    "destroy": "ncplan.commands.apply:destroy_command",
    "import": "ncplan.commands.import_:command",
    "show": "ncplan.commands.show:command",
    "fmt": "ncplan.commands.fmt:command",
    "force-unlock": "ncplan.commands.force_unlock:command",
}
STATE_COMMANDS = {
    "list": "ncplan.commands.state:list_command",
    "show": "ncplan.commands.state:show_command",
    "rm": "ncplan.commands.state:rm_command",
    "pull": "ncplan.commands.state:pull_command",
    "push": "ncplan.commands.state:push_command",
}
HELP = {"help_option_names": ["--help", "-h"]}
EPILOG = ("Terraform's single-dash spellings work too: -out=FILE, -auto-approve, -var "
          "NAME=VALUE, -target=ADDR, -json, ...")


def guarded(func: F) -> F:
    """Run a command; show an NcplanError on stderr and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        forget_secrets()  # the command's configuration registers its own when loaded
        try:
            return func(*args, **kwargs)
        except NcplanError as error:
            redact_error(error)
            if os.environ.get("NCPLAN_DEBUG") == "1":
                raise
            render_error(make_console(stderr=True, color=_color(kwargs)), error)
            raise typer.Exit(1) from None
        except KeyboardInterrupt as interrupt:
            redact_error(interrupt)
            render_interrupt(make_console(stderr=True, color=_color(kwargs)), interrupt)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _color(kwargs: dict[str, Any]) -> bool:
    """The command's colour choice (``--no-color``, ``NO_COLOR``), from its context."""
    ctx = kwargs.get("ctx")
    return AppContext.of(ctx).color if isinstance(ctx, typer.Context) else True


app = typer.Typer(
    name="ncplan",
    cls=lazy_group(COMMANDS, guarded),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings=HELP,
    epilog=EPILOG,
    help="Plan and apply Nomad jobs and Consul Connect intentions together.",
)
state_app = typer.Typer(cls=lazy_group(STATE_COMMANDS, guarded), no_args_is_help=True,
                        rich_markup_mode="markdown", help="Inspect and edit the state.")
app.add_typer(state_app, name="state")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ncplan {__version__}")
        raise typer.Exit(0)


@app.callback()
@guarded
def root(
    ctx: typer.Context,
    chdir: Annotated[Path, typer.Option("-C", "--chdir", "-chdir", metavar="DIR",
                                        help="The configuration directory.")] = Path("."),
    no_color: Annotated[bool, typer.Option("--no-color", "-no-color",
                                           help="Plain text output.")] = False,
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="Print the version and exit.")] = None,
) -> None:
    """Plan and apply Nomad jobs and Consul Connect intentions together."""
    # The choice travels in the context, never through os.environ (a process running
    # ncplan in-process, tests included, keeps its own environment).
    ctx.obj = AppContext(directory=chdir, color=not no_color and "NO_COLOR" not in os.environ)
    require_directory(chdir)


@app.command("version", cls=HelpCommand)
def version_command() -> None:
    """Print the version (as --version does)."""
    typer.echo(f"ncplan {__version__}")


def _click_exception(name: str) -> type[Exception]:
    """One of click's exception classes. typer vendors click and re-exports only BadParameter
    of its exceptions (and we do not import click directly), so walk up from that one."""
    for klass in typer.BadParameter.__mro__:
        if klass.__name__ == name and issubclass(klass, Exception):
            return klass
    raise LookupError(f"typer.BadParameter no longer derives from click's {name}")


UsageError = _click_exception("UsageError")
ClickException = _click_exception("ClickException")


class _UsageContext(Protocol):
    """The parts of click's Context a usage message needs."""

    command_path: str
    help_option_names: list[str]

    def get_usage(self) -> str: ...


class _ClickError(Protocol):
    """What click's exceptions offer: the message (with the parameter named) and the context."""

    def format_message(self) -> str: ...


def _as_typed(message: str, option: object, argv: list[str]) -> str:
    """click reads a single-dash word a command does not declare (``plan -auto-approve``)
    as bundled short flags and names the first letter (``-a``): name the word typed."""
    if not (isinstance(option, str) and len(option) == 2 and option[0] == "-"):
        return message
    for arg in argv:
        word = arg.split("=", 1)[0]
        if word.startswith(option) and re.fullmatch(r"-[a-z][a-z-]+", word):
            return message.replace(f"option: {option}", f"option: {word}", 1)
    return message


def _show_usage_error(error: Exception, color: bool, argv: list[str]) -> int:
    """Bare ``ncplan`` or ``ncplan state`` already printed their help: exit 0. Else exit 1."""
    if type(error).__name__ == "NoArgsIsHelpError":
        return 0
    ctx = cast(_UsageContext | None, getattr(error, "ctx", None))
    usage = hint = None
    if ctx is not None:
        usage = ctx.get_usage()
        if ctx.help_option_names:
            hint = f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help."
    message = _as_typed(cast(_ClickError, error).format_message(),
                        getattr(error, "option_name", None), argv)
    render_usage_error(make_console(stderr=True, color=color), message, usage, hint)
    return 1


def run(args: list[str] | None = None) -> int:
    """Run one command line and return its exit code; usage errors are shown and give 1."""
    argv = sys.argv[1:] if args is None else args
    color = "--no-color" not in argv  # a usage error may come before the option is parsed
    try:
        result = app(args=argv, prog_name="ncplan", standalone_mode=False)
    except UsageError as error:
        return _show_usage_error(error, color, argv)
    except ClickException as error:
        message = cast(_ClickError, error).format_message()
        render_usage_error(make_console(stderr=True, color=color), message, None, None)
        return 1
    except typer.Abort:
        render_aborted(make_console(stderr=True, color=color))
        return 1
    return result if isinstance(result, int) else 0


def main() -> None:
    interrupts.install()  # SIGTERM (a CI cancel, `kill`) unwinds like Ctrl-C
    try:
        code = run()
    except KeyboardInterrupt:  # one that came after the command's own handling
        code = 130
    interrupts.leave(code)
