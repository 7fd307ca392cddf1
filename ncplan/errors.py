"""The exception hierarchy of ncplan.

Every error a user can cause is a subclass of :class:`NcplanError`. The CLI catches
``NcplanError`` once, renders it on stderr and exits 1. Library errors (python-nomad,
the Consul client, requests) are mapped to these classes at the providers/ and state/
boundaries with ``raise ... from``, so nothing above those layers imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ncplan.diagnostics import Diagnostic


class NcplanError(Exception):
    """Base class: a failure with a message fit to show a user.

    ``hint`` is an optional second line telling the user what to do next.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def hide_text(self, hide: Callable[[str], str]) -> None:
        """Pass the texts of its own that may quote what was sent through ``hide``, in
        place (:func:`ncplan.secret_text.redact_error` does ``args`` and notes)."""
        self.message = hide(self.message)
        self.hint = None if self.hint is None else hide(self.hint)


class ConfigError(NcplanError):
    """The configuration is invalid; carries every diagnostic of the run, not just the first."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        errors = [d for d in diagnostics if d.is_error]
        count = len(errors)
        super().__init__(f"the configuration has {count} error{'s' if count != 1 else ''}")
        self.diagnostics = tuple(diagnostics)

    def hide_text(self, hide: Callable[[str], str]) -> None:
        super().hide_text(hide)
        self.diagnostics = tuple(
            replace(d, summary=hide(d.summary), detail=hide(d.detail),
                    source_line=hide(d.source_line))
            for d in self.diagnostics)


class StateError(NcplanError):
    """The state cannot be read or written (bad file, unknown version, lineage mismatch...)."""


@dataclass(frozen=True)
class LockInfo:
    """Who holds a state lock, in the manner of Terraform's statemgr.LockInfo."""

    id: str
    operation: str
    who: str
    created: str  # ISO-8601, UTC
    version: str
    path: str = ""
    info: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class StateLockedError(StateError):
    """The state is locked by someone else; ``info`` says who, since when, and the lock ID."""

    def __init__(self, message: str, info: LockInfo | None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.info = info


class ProviderError(NcplanError):
    """Nomad or Consul answered with an error; ``status`` and ``body`` are the API's own."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "",
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body = body

    def hide_text(self, hide: Callable[[str], str]) -> None:
        super().hide_text(hide)
        self.body = hide(self.body)


class CheckAndSetConflict(ProviderError):
    """A check-and-set write lost: the object changed since it was read."""


class ProviderUnreachable(ProviderError):
    """Nomad or Consul could not be reached at all (refused, timed out, TLS failed).

    ``may_have_landed``: a write was sent and no answer came (a read timeout, a dropped
    connection): the API may have carried it out."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "",
                 hint: str | None = None, may_have_landed: bool = False) -> None:
        super().__init__(message, status=status, body=body, hint=hint)
        self.may_have_landed = may_have_landed


class ApplyError(NcplanError):
    """An apply stopped part way; ``partial`` lists the addresses that were applied."""

    def __init__(self, message: str, partial: Sequence[str] = (), *,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.partial = tuple(partial)
