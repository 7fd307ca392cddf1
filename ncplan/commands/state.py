"""``ncplan state list | show ADDR | rm ADDR... | pull | push FILE``.

The backend comes from the configuration's ``backend`` block (``load_config``; a
directory with no ``*.hcl`` file uses the default local ``ncplan.state.json``). Every
command that writes (``rm``, ``push``) takes the state lock (``--lock-timeout`` waits
for it, ``--no-lock`` skips it); the read-only ones (``list``, ``show``, ``pull``) read
without it, as Terraform's do, unless given ``--lock``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ncplan.address import canonical_address
from ncplan.commands.options import LockTimeout, VarFileOption, VarOption, parse_duration
from ncplan.errors import StateError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import backend_from_directory
from ncplan.state import StateManager, decode, encode, locked
from ncplan.state.backends.files import atomic_write
from ncplan.state.model import State
from ncplan.views import state as view
from ncplan.views.console import make_console

Lock = Annotated[bool, typer.Option(
    "--lock/--no-lock", help="Take the state lock (default). --no-lock is for emergencies.")]
ReadLock = Annotated[bool, typer.Option(
    "--lock/--no-lock", help="Take the state lock while reading (off: reads are safe "
    "without it, and work while an apply holds the lock).")]


@contextmanager
def session(app: AppContext, operation: str, lock: bool, lock_timeout: str,
            var: Sequence[str] | None, var_file: Sequence[Path] | None,
            ) -> Iterator[StateManager]:
    """The state manager, locked for the ``with`` body unless ``lock`` is false."""
    timeout = parse_duration(lock_timeout)
    manager = backend_from_directory(app, var, var_file)
    if not lock:
        yield manager
        return
    with locked(manager, operation, timeout, manager.description):
        yield manager


def list_command(ctx: typer.Context, lock_timeout: LockTimeout = "0s",
                 lock: ReadLock = False,
    var: VarOption = None, var_file: VarFileOption = None,
) -> None:
    """List the addresses in the state."""
    app = AppContext.of(ctx)
    with session(app, "state list", lock, lock_timeout, var, var_file) as manager:
        state = manager.read()
    view.print_addresses(make_console(stderr=False, color=app.color), state)


def show_command(ctx: typer.Context,
                 address: Annotated[str, typer.Argument(metavar="ADDR", help="e.g. nomad_job.db")],
                 lock_timeout: LockTimeout = "0s", lock: ReadLock = False,
    var: VarOption = None, var_file: VarFileOption = None,
) -> None:
    """Show one resource as the state records it."""
    app = AppContext.of(ctx)
    address = canonical_address(address)  # the older consul_intention.SRC->DST too
    with session(app, "state show", lock, lock_timeout, var, var_file) as manager:
        state = manager.read()
    resource = state.resource(address) if state is not None else None
    if resource is None:
        raise StateError(f"no resource {address} in the state",
                         hint="ncplan state list shows the addresses")
    view.print_resource(make_console(stderr=False, color=app.color), resource)


def rm_command(ctx: typer.Context,
               addresses: Annotated[list[str], typer.Argument(metavar="ADDR",
                                                                  help="Addresses to forget.")],
               lock_timeout: LockTimeout = "0s", lock: Lock = True,
    var: VarOption = None, var_file: VarFileOption = None,
) -> None:
    """Forget resources: remove them from the state only; Nomad and Consul are untouched.

    The previous state is kept: in ncplan.state.json.backup for the local backend, else
    in ncplan.state.json.TIME.backup in the configuration directory.
    """
    app = AppContext.of(ctx)
    addresses = [canonical_address(a) for a in addresses]  # the older SRC->DST too
    with session(app, "state rm", lock, lock_timeout, var, var_file) as manager:
        state = manager.read()
        missing = [a for a in addresses if state is None or state.resource(a) is None]
        if state is None or missing:
            raise StateError(f"no resource {', '.join(missing)} in the state; nothing removed",
                             hint="ncplan state list shows the addresses")
        backup = manager.backup_path or write_backup(app.directory, state)
        manager.write(state.without(addresses))
        manager.persist()
    view.print_removed(make_console(stderr=False, color=app.color),
                       dict.fromkeys(addresses), str(backup))


def pull_command(ctx: typer.Context, lock_timeout: LockTimeout = "0s",
                 lock: ReadLock = False,
    var: VarOption = None, var_file: VarFileOption = None,
) -> None:
    """Print the state as JSON on stdout."""
    app = AppContext.of(ctx)
    with session(app, "state pull", lock, lock_timeout, var, var_file) as manager:
        state = manager.read()
    if state is None:
        view.note(make_console(stderr=True, color=app.color), "No state.")
        return
    view.write_state_json(state)


def push_command(ctx: typer.Context,
                 file: Annotated[str, typer.Argument(
                     metavar="FILE", help="A state file, or - for stdin.")],
                 force: Annotated[bool, typer.Option(
                     "--force", help="Replace even another lineage or a lower serial.")] = False,
                 lock_timeout: LockTimeout = "0s", lock: Lock = True,
    var: VarOption = None, var_file: VarFileOption = None,
) -> None:
    """Replace the state with FILE; refuses another lineage or an older serial unless --force."""
    app = AppContext.of(ctx)
    new = read_state_file(file)
    with session(app, "state push", lock, lock_timeout, var, var_file) as manager:
        manager.write_for_migration(new, force=force)
        stored = manager.persist()
    view.print_pushed(make_console(stderr=False, color=app.color), file, stored)


def read_state_file(file: str) -> State:
    source = "stdin" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise StateError(f"{source}: cannot read it: {error.strerror}") from error
    return decode(data, source)


def write_backup(directory: Path, state: State) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"ncplan.state.json.{stamp}.backup"
    try:
        atomic_write(path, encode(state))
    except OSError as error:
        raise StateError(f"{path}: cannot write the backup: {error.strerror}; "
                         "nothing removed") from error
    return path
