"""A parse cache: each file's ``ParsedFile`` stored as JSON, keyed by a hash of its
content.

Entries live in ``<configuration directory>/.ncplan/cache/<key>.json``. The key is the
sha256 of the file content together with the parser's (tree-sitter and its HCL grammar)
and ncplan's versions (so an upgrade of either parses again) and the cache format.
Writes go to a temporary file in the same directory and are moved into place with
``os.replace``: two runs racing write the same content and the last rename wins. An
entry that cannot be read or decoded is ignored and rewritten. ``NCPLAN_NO_CACHE=1``
turns the cache off; a directory that cannot be written simply goes uncached.

Variable files are never given to the cache (their values may be secrets). After the
files of a run are read, ``prune`` removes every entry this run did not use that was
last written before the run started, so an entry for a changed or deleted file (or a
variable file cached by an older version) does not stay on disk; an entry a concurrent
run just wrote is newer than this run and is kept. Removal is one ``unlink``: a reader
sees a whole entry or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ncplan import __version__
from ncplan.config.hcl import PARSER_VERSION
from ncplan.config.syntax import ParsedFile

CACHE_FORMAT = "3"  # 2: escapes inside $${...} resolved; 3: tree-sitter, every error
CACHE_DIR = Path(".ncplan") / "cache"
STALE_TEMP_SECONDS = 600  # a temporary file this old belongs to a writer that died


def cache_key(text: str) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, PARSER_VERSION, __version__):
        digest.update(part.encode() + b"\0")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


class ParseCache:
    """Look up or fill parse results under ``directory/.ncplan/cache``."""

    def __init__(self, directory: Path, *, enabled: bool | None = None) -> None:
        self.path = directory / CACHE_DIR
        if enabled is None:
            enabled = os.environ.get("NCPLAN_NO_CACHE", "") not in ("1", "true")
        self.enabled = enabled
        self.hits = 0
        self.started = time.time()
        self.used: set[str] = set()

    def parse(self, text: str, parser: Callable[[str], ParsedFile]) -> ParsedFile:
        if not self.enabled:
            return parser(text)
        key = cache_key(text)
        self.used.add(key)
        cached = self._read(key)
        if cached is not None:
            self.hits += 1
            return cached
        parsed = parser(text)
        self._write(key, parsed)
        return parsed

    def _read(self, key: str) -> ParsedFile | None:
        try:
            data = json.loads((self.path / f"{key}.json").read_text(encoding="utf-8"))
            return ParsedFile.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def _write(self, key: str, parsed: ParsedFile) -> None:
        tmp_name = ""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp",
                                            dir=self.path)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # dumps, not dump: dump encodes chunk by chunk in Python, 5x slower here
                handle.write(json.dumps(parsed.to_json(), separators=(",", ":")))
            os.replace(tmp_name, self.path / f"{key}.json")
        except OSError:
            if tmp_name:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)

    def prune(self) -> None:
        """Remove the entries this run did not use, written before it started."""
        if not self.enabled:
            return
        try:
            names = os.listdir(self.path)
        except OSError:
            return
        for name in names:
            if name.endswith(".json"):
                if name[: -len(".json")] in self.used:
                    continue
                cutoff = self.started
            elif name.endswith(".tmp"):
                cutoff = self.started - STALE_TEMP_SECONDS
            else:
                continue
            entry = self.path / name
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    entry.unlink()
