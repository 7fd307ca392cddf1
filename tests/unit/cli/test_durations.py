"""``--lock-timeout`` and ``--wait-timeout`` take Go's durations (or plain seconds)."""

from __future__ import annotations

import pytest

from ncplan.commands.options import parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("0s", 0.0), ("30s", 30.0), ("2m", 120.0), ("1m30s", 90.0), ("500ms", 0.5),
    ("1h", 3600.0), ("15", 15.0), ("1.5s", 1.5),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5 minutes", "-1s", "3d"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)
