"""HTTP and API client libraries stay below the transport/, providers/ and state/backends/
boundary."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "ncplan"
LIBRARIES = {"requests", "urllib3", "nomad", "consul"}
ALLOWED = (PACKAGE / "transport", PACKAGE / "providers", PACKAGE / "state" / "backends")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_nothing_above_providers_imports_http_or_api_client_libraries() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported(path) & LIBRARIES)
        for path in PACKAGE.rglob("*.py")
        if not any(folder in path.parents for folder in ALLOWED)
    }
    assert {name: libs for name, libs in offenders.items() if libs} == {}
    assert _imported(PACKAGE / "transport" / "http.py") & LIBRARIES == {"requests", "urllib3"}
