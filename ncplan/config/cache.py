"""A parse cache: each file's ``ParsedFile`` stored as JSON, keyed by a hash of its content.

Entries live in ``<configuration directory>/.ncplan/cache/<key>.json``. The key is the
sha256 of the file content together with the python-hcl2 and ncplan versions (so an
upgrade of either parses again) and the cache format. Writes go to a temporary file in
the same directory and are moved into place with ``os.replace``: two runs racing write
the same content and the last rename wins. An entry that cannot be read or decoded is
ignored and rewritten. ``NCPLAN_NO_CACHE=1`` turns the cache off; a directory that
cannot be written simply goes uncached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ncplan import __version__
from ncplan.config.hcl import HCL2_VERSION
from ncplan.config.syntax import ParsedFile

CACHE_FORMAT = "1"
CACHE_DIR = Path(".ncplan") / "cache"


def cache_key(text: str) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, HCL2_VERSION, __version__):
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
        self.misses = 0

    def parse(self, text: str, parser: Callable[[str], ParsedFile]) -> ParsedFile:
        if not self.enabled:
            return parser(text)
        key = cache_key(text)
        cached = self._read(key)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
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
                json.dump(parsed.to_json(), handle, separators=(",", ":"))
            os.replace(tmp_name, self.path / f"{key}.json")
        except OSError:
            if tmp_name:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
