"""Formatting files: which files ``ncplan fmt`` takes, each one formatted, written back.

A directory gives its ``*.hcl`` files (configuration, ``*.nomad.hcl`` jobspecs,
``*.ncvars.hcl`` variable files, ``*.consul.hcl`` entries) and ``*.nomad`` jobspecs, in
name order; with ``recursive``, those of its subdirectories too. Names starting with
``.`` and editor leftovers (``name~``, ``#name#``) are skipped, as ``terraform fmt``
skips them. A file named on the command line must have one of those suffixes. A
``*.consul.hcl`` entry in Consul's HCL 1 (blocks inside list items, as Consul's docs
write them) is left as written: HCL 2 formatting does not apply to it.
Files are read and written as bytes (a file's CRLF line ends stay as they are); a
changed file is replaced atomically, keeping its mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ncplan.config.collector import Sink, Where
from ncplan.config.entry_syntax import hcl1_blocks_as_attributes
from ncplan.config.hcl import parse_hcl
from ncplan.config.syntax import Pos, SyntaxProblem
from ncplan.diagnostics import Diagnostic
from ncplan.errors import NcplanError
from ncplan.fmt import format_hcl

SUFFIXES = (".hcl", ".nomad")


@dataclass(frozen=True)
class FileResult:
    """One file: its name as shown, its text before and after, or why it was not formatted."""

    name: str
    before: str
    after: str
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return not self.diagnostics and self.before != self.after


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or (
        name.startswith("#") and name.endswith("#"))


def _in_directory(directory: Path, recursive: bool) -> Iterator[Path]:
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as error:
        raise NcplanError(f"cannot list {directory}: {error.strerror or error}") from error
    for entry in entries:
        if _ignored(entry.name):
            continue
        if entry.is_dir():
            if recursive:
                yield from _in_directory(entry, recursive)
        elif entry.name.endswith(SUFFIXES):
            yield entry


def files_to_format(paths: Sequence[Path], recursive: bool) -> list[Path]:
    """The files ``paths`` stand for, in order; raises NcplanError for a path that is
    missing or is a file of another kind."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_in_directory(path, recursive))
        elif not path.exists():
            raise NcplanError(f"no file or directory at {path}")
        elif not path.name.endswith(SUFFIXES):
            raise NcplanError(f"{path}: only *.hcl and *.nomad files can be formatted",
                              hint="*.consul.json entries are JSON: ncplan fmt leaves them")
        else:
            found.append(path)
    return found


def _syntax_diagnostics(name: str, text: str,
                        problems: Sequence[SyntaxProblem]) -> tuple[Diagnostic, ...]:
    """Each syntax error as ``validate`` shows it: located, with the offending line."""
    sink = Sink()
    sink.add_source(name, text)
    for problem in problems:
        pos = Pos(problem.line, problem.column, problem.line, problem.column + 1, 0, 0)
        sink.error(f"syntax error: {problem.message}", Where(name, pos),
                   "fix the HCL syntax at this place")
    return tuple(sink.diagnostics)


def format_text(name: str, data: bytes) -> FileResult:
    """One file's bytes formatted; its syntax errors (or a bad encoding) as diagnostics."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        sink = Sink()
        sink.error(f"cannot read {name}: not UTF-8 ({error.reason} at byte {error.start})",
                   None)
        return FileResult(name, "", "", tuple(sink.diagnostics))
    result = format_hcl(text)
    if not result.ok and _is_hcl1_entry(name, text):
        return FileResult(name, text, text)
    if not result.ok:
        return FileResult(name, text, text, _syntax_diagnostics(name, text, result.problems))
    return FileResult(name, text, result.text)


def _is_hcl1_entry(name: str, text: str) -> bool:
    """A ``*.consul.hcl`` file that the entry reader reads (config/entry_syntax.py)."""
    if not name.endswith(".consul.hcl"):
        return False
    rewritten = hcl1_blocks_as_attributes(text)
    return not rewritten.repeated and not parse_hcl(rewritten.text).errors


def format_file(path: Path) -> FileResult:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NcplanError(f"cannot read {path}: {error.strerror or error}") from error
    return format_text(str(path), data)


def write_back(path: Path, text: str) -> None:
    """Replace the file at ``path`` (through a symlink) with ``text``, atomically, keeping
    its mode; on failure the file is left as it was."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fmt-tmp",
                                    dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as error:
        raise NcplanError(f"cannot write {path}: {error.strerror or error}") from error
