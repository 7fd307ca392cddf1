"""``ncplan force-unlock LOCK_ID [-f]``: remove a lock left behind, only when the ID matches.

Consul: destroys the holder's session (its ``.lock`` and ``.lockinfo`` go with it).
Local: the OS lock dies with its process, so what is left behind is a stale lock-info
file; force-unlock removes it. A local lock whose process is alive cannot be broken:
the command says which pid to stop.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ncplan.commands.options import VarFileOption, VarOption
from ncplan.errors import StateError
from ncplan.orchestration.context import AppContext
from ncplan.orchestration.loading import backend_from_directory
from ncplan.views import state as view
from ncplan.views.console import make_console


def command(ctx: typer.Context,
            lock_id: Annotated[str, typer.Argument(
                metavar="LOCK_ID", help="The lock ID shown in the error.")],
            force: Annotated[bool, typer.Option(
                "-f", "--force", help="Do not ask for confirmation.")] = False,
            var: VarOption = None, var_file: VarFileOption = None) -> None:
    """Remove the state lock with this ID, left by a run that did not finish."""
    app = AppContext.of(ctx)
    manager = backend_from_directory(app, var, var_file)
    err = make_console(stderr=True, color=app.color)
    if not force and not view.confirm_force_unlock(err, lock_id, manager.description):
        raise StateError("force-unlock cancelled: nothing was changed")
    view.note(make_console(stderr=False, color=app.color), manager.force_unlock(lock_id))
