"""Write configuration files into a directory and load them, for the config tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ncplan.config import LoadResult, load_config
from ncplan.diagnostics import Diagnostic
from ncplan.errors import ConfigError


def write(directory: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def load(directory: Path, files: Mapping[str, str], *, var: Sequence[str] = (),
         var_files: Sequence[Path] = (), env: Mapping[str, str] | None = None) -> LoadResult:
    write(directory, files)
    return load_config(directory, var, var_files, env=env or {}, use_cache=False)


def errors(directory: Path, files: Mapping[str, str], **kwargs: object) -> list[Diagnostic]:
    """The error diagnostics of an invalid configuration (fails if it is valid)."""
    with pytest.raises(ConfigError) as caught:
        load(directory, files, **kwargs)  # type: ignore[arg-type]
    return [d for d in caught.value.diagnostics if d.is_error]


def only_error(directory: Path, files: Mapping[str, str], **kwargs: object) -> Diagnostic:
    found = errors(directory, files, **kwargs)
    assert len(found) == 1, [(d.summary, str(d.span)) for d in found]
    return found[0]


DB = '''service "db" {
  port = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/usr/local/bin/my-database" }
  }
}
'''
