"""Each example, rendered (JSON and HCL), compared exactly with a file under snapshots/.

``NCPLAN_UPDATE_SNAPSHOTS=1 pytest tests/unit/render`` rewrites the files; review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ncplan.config import load_config
from ncplan.resources.desired import lower_config
from ncplan.resources.payloads import payload_document
from ncplan.views.render import render_hcl, render_json

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
SNAPSHOTS = Path(__file__).parent / "snapshots"
NAMES = ["connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh"]


def assert_snapshot(path: Path, actual: str) -> None:
    """Equal to the file's text, or rewrite the file when NCPLAN_UPDATE_SNAPSHOTS=1."""
    if os.environ.get("NCPLAN_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run with NCPLAN_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from the rendering"


@pytest.mark.parametrize("name", NAMES)
def test_example_validates_without_warnings(name: str) -> None:
    result = load_config(EXAMPLES / name, use_cache=False)
    assert list(result.warnings) == []


@pytest.mark.parametrize("name", NAMES)
def test_example_json_rendering(name: str) -> None:
    config = load_config(EXAMPLES / name, use_cache=False).config
    assert_snapshot(SNAPSHOTS / f"{name}.json", render_json(payload_document(lower_config(config))))


@pytest.mark.parametrize("name", NAMES)
def test_example_hcl_rendering(name: str) -> None:
    config = load_config(EXAMPLES / name, use_cache=False).config
    document = payload_document(lower_config(config))
    text = render_hcl(document, {j.name: j.source for j in config.jobs})
    assert_snapshot(SNAPSHOTS / f"{name}.hcl", text)


def test_a_changed_rendering_fails_the_comparison(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NCPLAN_UPDATE_SNAPSHOTS", raising=False)
    snapshot = tmp_path / "x.json"
    snapshot.write_text('{"a": 1}\n')
    assert_snapshot(snapshot, '{"a": 1}\n')
    with pytest.raises(AssertionError):
        assert_snapshot(snapshot, '{"a": 2}\n')
    with pytest.raises(AssertionError):
        assert_snapshot(tmp_path / "missing.json", "{}")

