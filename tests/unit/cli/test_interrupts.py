"""The SIGINT/SIGTERM handler: installed whatever the inherited disposition, two raise,
later ones are only counted."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from ncplan import interrupts


@pytest.fixture
def restored() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_install_replaces_an_inherited_ignore(restored: None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a script's background job starts so
    handler = interrupts.install()
    assert signal.getsignal(signal.SIGINT) is handler
    assert signal.getsignal(signal.SIGTERM) is handler


def test_the_first_two_signals_raise_and_the_third_is_only_counted() -> None:
    handler = interrupts.Interrupts()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with pytest.raises(KeyboardInterrupt):
            handler(signum, None)
    handler(signal.SIGINT, None)
    handler(signal.SIGINT, None)
    assert handler.received == 4
