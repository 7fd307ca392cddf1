"""Sensitive values kept out of an error's text: the rule on text, and every part of an
error the CLI shows (message, hint, the API's answer, diagnostics, notes, the chain)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ncplan.diagnostics import Diagnostic, Severity
from ncplan.errors import ConfigError, ProviderError
from ncplan.secret_text import (
    MARKER,
    forget_secrets,
    hide_in_text,
    keep_out_of_errors,
    redact_error,
)


@pytest.fixture(autouse=True)
def no_secrets_left() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


@pytest.mark.parametrize(("text", "secrets", "shown"), [
    ("missing closing ): `(hunter2`", {"hunter2"}, f"missing closing ): `({MARKER}`"),
    ("hunter2 at the start", {"hunter2"}, f"{MARKER} at the start"),
    ("a hunter2, b hunter2", {"hunter2"}, f"a {MARKER}, b {MARKER}"),
    ("port 8080", {"80"}, f"port {MARKER}"),  # overlapping occurrences hide as one
    ("abcd", {"abc", "bcd"}, MARKER),  # two secrets overlapping: neither part is left
    ("xabcdx", {"abcd", "bc"}, f"x{MARKER}x"),  # one inside another
    ("nothing here", {"hunter2"}, "nothing here"),
    ("an empty secret hides nothing", {""}, "an empty secret hides nothing"),
])
def test_every_occurrence_of_every_secret_is_hidden(text: str, secrets: set[str],
                                                     shown: str) -> None:
    assert hide_in_text(text, secrets) == shown


def test_a_short_secret_does_not_garble_the_marker_of_a_longer_one() -> None:
    assert hide_in_text("pw=hunter2", {"hunter2", "e"}) == f"pw={MARKER}"


def test_a_provider_error_is_hidden_in_all_its_parts() -> None:
    keep_out_of_errors({"hunter2"})
    error = ProviderError("Nomad rejected `(hunter2`", body='{"error": "(hunter2"}',
                          hint="check hunter2", status=500)
    error.add_note("also hunter2")
    assert redact_error(error) is error
    assert error.message == f"Nomad rejected `({MARKER}`"
    assert error.body == f'{{"error": "({MARKER}"}}'
    assert error.hint == f"check {MARKER}"
    assert error.args == (error.message,) and str(error) == error.message
    assert error.__notes__ == [f"also {MARKER}"]


def test_the_errors_it_was_raised_from_are_hidden_too() -> None:
    keep_out_of_errors({"hunter2"})
    try:
        try:
            raise ValueError("parsing hunter2")
        except ValueError as low:
            raise ProviderError("refused hunter2") from low
    except ProviderError as error:
        redact_error(error)
        assert error.message == f"refused {MARKER}"
        assert str(error.__cause__) == f"parsing {MARKER}"


def test_diagnostics_are_hidden() -> None:
    keep_out_of_errors({"hunter2"})
    error = ConfigError([Diagnostic(Severity.ERROR, "bad hunter2", detail="use hunter2",
                                    source_line='pw = "hunter2"')])
    redact_error(error)
    (diagnostic,) = error.diagnostics
    assert (diagnostic.summary, diagnostic.detail, diagnostic.source_line) == (
        f"bad {MARKER}", f"use {MARKER}", f'pw = "{MARKER}"')


def test_nothing_is_hidden_once_forgotten() -> None:
    keep_out_of_errors({"hunter2"})
    forget_secrets()
    error = ProviderError("refused hunter2")
    redact_error(error)
    assert error.message == "refused hunter2"
