"""Exact-text snapshots: ``NCPLAN_UPDATE_SNAPSHOTS=1`` rewrites them (review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_snapshot(path: Path, actual: str) -> None:
    """Equal to the file's text, or rewrite the file when NCPLAN_UPDATE_SNAPSHOTS=1."""
    if os.environ.get("NCPLAN_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run with NCPLAN_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from the rendering"
