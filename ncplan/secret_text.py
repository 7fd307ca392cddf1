"""Sensitive values kept out of the text ncplan shows of an error.

Nomad and Consul quote what they were sent in their messages (a constraint's regular
expression: ``error parsing regexp: missing closing ): `(hunter2```), so an error's
text can hold a sensitive variable's value that no body redaction reaches. The command
that loads the configuration registers its sensitive values here
(:func:`keep_out_of_errors`); the CLI, which catches every error once, hides them in it
(:func:`redact_error`) before showing it, or re-raising it under ``NCPLAN_DEBUG=1``.

The rule is :mod:`ncplan.kinds.secrets`'s, on text: every occurrence of every non-empty
secret becomes :data:`MARKER`, overlapping occurrences as one (over-masking is the safe
failure: the secret ``80`` hides the ``80`` of ``8080``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from ncplan.errors import NcplanError

MARKER = "(sensitive value)"

_lock = threading.Lock()
_known: frozenset[str] = frozenset()


def hide_in_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each occurrence of each of ``secrets`` replaced by :data:`MARKER`."""
    spans: list[tuple[int, int]] = []
    for secret in {s for s in secrets if s}:
        at = text.find(secret)
        while at != -1:
            spans.append((at, at + len(secret)))
            at = text.find(secret, at + 1)
    merged: list[list[int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    shown, at = [], 0
    for start, stop in merged:
        shown += [text[at:start], MARKER]
        at = stop
    shown.append(text[at:])
    return "".join(shown)


def keep_out_of_errors(secrets: Iterable[str]) -> None:
    """Register ``secrets`` (a configuration's sensitive values) for :func:`redact_error`."""
    global _known
    with _lock:
        _known = _known | {s for s in secrets if s}


def forget_secrets() -> None:
    """Drop every registered secret (a command starts with none)."""
    global _known
    with _lock:
        _known = frozenset()


def redact_error(error: BaseException) -> BaseException:
    """``error`` with the registered secrets hidden in its text (its message, hint, the
    API's answer, diagnostics and notes), and in the errors it was raised from (what a
    traceback under ``NCPLAN_DEBUG=1`` shows), changed in place; returned for ``raise``."""
    secrets = _known
    if not secrets:
        return error

    def hide(text: str) -> str:
        return hide_in_text(text, secrets)

    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        _hide_in(link, hide)
        link = link.__cause__ or link.__context__
    return error


def _hide_in(error: BaseException, hide: Callable[[str], str]) -> None:
    if isinstance(error, NcplanError):
        error.hide_text(hide)
    error.args = tuple(hide(a) if isinstance(a, str) else a for a in error.args)
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [hide(str(note)) for note in notes]
