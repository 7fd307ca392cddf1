"""Wrong-shaped state documents through ``ncplan state list``: an ncplan error or a list,
never a traceback, and never a changed file.

Documents are valid JSON in every wrong shape hypothesis can reach from a good version-1
or version-2 document: a value of another type at any level, a key removed, an unknown
key added, plus arbitrary JSON.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ncplan.cli import app

VERSION_1: dict[str, Any] = {
    "version": 1, "serial": 4, "lineage": "8a3c7c52", "ncplan_version": "0.0.3",
    "resources": {
        "nomad_job.web": {"id": "web", "attributes": {"count": 2, "tags": ["a"]},
                          "modify_index": 31, "depends_on": ["nomad_job.db"]},
        "nomad_job.db": {"id": "db", "attributes": {}, "modify_index": 12, "depends_on": []},
    },
}
VERSION_2: dict[str, Any] = {
    "version": 2, "ncplan_version": "0.1.0", "serial": 3, "lineage": "8a3c7c52",
    "resources": [
        {"address": "nomad_job.db", "kind": "nomad_job", "id": "db",
         "attributes": {"count": 1, "meta": {"a": "b"}}, "observed_index": 12,
         "dependencies": []},
        {"address": "nomad_job.web", "kind": "nomad_job", "id": "web", "attributes": {},
         "observed_index": 14, "dependencies": ["nomad_job.db"]},
    ],
}

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
           allow_infinity=False) | st.text(max_size=8))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
# Values that are almost right: the types a field could plausibly be given by mistake.
NEAR = st.sampled_from([5, -1, 0, "", "5", [], {}, [5], ["a", 1], [1, "a"], None, True,
                        1.5, {"a": 1}, ["nomad_job.db", None]])


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A good document with one to three changes anywhere in it."""
    doc = copy.deepcopy(draw(st.sampled_from([VERSION_1, VERSION_2])))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        operation = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if operation == "replace":
                return draw(JSON)
            continue
        parent, key = _at(doc, path[:-1]), path[-1]
        if operation == "replace":  # a copy: later changes must not edit NEAR's samples
            parent[key] = copy.deepcopy(draw(NEAR | JSON))
        elif operation == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(JSON)
        else:
            parent.append(copy.deepcopy(draw(NEAR | JSON)))
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated() | JSON)
def test_state_list_never_raises_anything_but_ncplan_errors(doc: Any) -> None:
    runner = CliRunner(env={"NO_COLOR": "1", "NCPLAN_DEBUG": None})
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ncplan.state.json"
        data = json.dumps(doc).encode()
        path.write_bytes(data)
        result = runner.invoke(app, ["-C", directory, "state", "list"])
        assert path.read_bytes() == data
        assert sorted(p.name for p in Path(directory).iterdir()) == ["ncplan.state.json"]
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert result.stderr.startswith(f"Error: {path}: "), result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert result.stderr == ""
