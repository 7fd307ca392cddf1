"""The Consul backend: the state in Consul KV at ``path``, written with check-and-set.

Layout (``path`` = ``ncplan/prod``)::

    ncplan/prod                      the state JSON, or a chunk header (below)
    ncplan/prod/.chunks/<hash>/<n>   gzip'd state in pieces, when the state is large
    ncplan/prod/.lock                held by the lock session (see consul_lock)
    ncplan/prod/.lockinfo            who holds the lock

A state of up to 256 KiB is stored as plain JSON (readable with ``consul kv get``);
it is written in a transaction, whose whole body Consul limits to 512 KiB with the value
in base64 (4/3 of its size). A larger one is gzip-compressed and split into chunks of at
most 500 KiB (Consul refuses values over 512 KiB), written first; then the key at
``path`` is switched to a small header, like Terraform's consul backend::

    {"ncplan_chunked": 1, "encoding": "gzip", "sha256": "<hex>", "chunks": ["<key>", ...]}

The switch is one transaction: ``check-session`` on ``path/.lock`` (when this process
holds the lock) plus ``cas`` on the ModifyIndex seen at the last read, so a lost lock or
a concurrent writer makes it fail with nothing changed. Chunks of older versions are
deleted after a successful switch; a reader that races with that deletion retries.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from ncplan.errors import StateError, StateLockedError
from ncplan.state.backends.consul_kv import ConsulKV
from ncplan.state.backends.consul_lock import ConsulLocker
from ncplan.state.manager import StateManager
from ncplan.transport.consul import ConsulHttpSettings

INLINE_LIMIT = 256 * 1024
CHUNK_SIZE = 500 * 1024
HEADER_MARKER = "ncplan_chunked"
_READ_ATTEMPTS = 3


class _ChunksGone(Exception):
    """A chunk vanished or did not match: a concurrent write replaced the state."""


class ConsulStorage:
    def __init__(self, kv: ConsulKV, path: str, locker: ConsulLocker) -> None:
        self.kv = kv
        self.path = path
        self.locker = locker
        self.chunks_prefix = f"{path}/.chunks/"
        self._index = 0

    @property
    def description(self) -> str:
        return f"consul:{self.path}"

    @property
    def backup_path(self) -> Path | None:
        return None

    def load(self) -> bytes | None:
        for _attempt in range(_READ_ATTEMPTS):
            entry = self.kv.get(self.path)
            if entry is None:
                self._index = 0
                return None
            self._index = entry.modify_index
            header = parse_header(entry.value)
            if header is None:
                return entry.value
            try:
                return self._read_chunks(header)
            except _ChunksGone:
                continue
        raise StateError(f"{self.description}: the state's chunks kept changing while "
                         "reading; is another process writing without the lock?")

    def _read_chunks(self, header: dict[str, Any]) -> bytes:
        pieces = []
        for key in header["chunks"]:
            entry = self.kv.get(key)
            if entry is None:
                raise _ChunksGone
            pieces.append(entry.value)
        packed = b"".join(pieces)
        if hashlib.sha256(packed).hexdigest() != header["sha256"]:
            raise _ChunksGone
        try:
            return gzip.decompress(packed)
        except (OSError, EOFError) as error:
            raise StateError(f"{self.description}: the state's chunks are not valid gzip: "
                             f"{error}") from error

    def store(self, data: bytes) -> None:
        if self.locker.lost:
            raise self._lost_error()
        new_prefix: str | None = None
        if len(data) <= INLINE_LIMIT:
            value = data
        else:
            packed = gzip.compress(data, mtime=0)
            digest = hashlib.sha256(packed).hexdigest()
            new_prefix = f"{self.chunks_prefix}{digest[:16]}/"
            keys = []
            for number, start in enumerate(range(0, len(packed), CHUNK_SIZE)):
                key = f"{new_prefix}{number}"
                self.kv.put(key, packed[start:start + CHUNK_SIZE])
                keys.append(key)
            value = json.dumps({HEADER_MARKER: 1, "encoding": "gzip", "sha256": digest,
                                "size": len(data), "chunks": keys}).encode()
        ops: list[dict[str, Any]] = []
        session = self.locker.session
        if session is not None:
            ops.append({"Verb": "check-session", "Key": self.locker.lock_key,
                        "Session": session})
        ops.append({"Verb": "cas", "Key": self.path, "Value": value, "Index": self._index})
        result = self.kv.txn(ops)
        if not result.ok:
            failed = {int(e.get("OpIndex", -1)) for e in result.errors}
            if session is not None and 0 in failed:
                self.locker.mark_lost()
                raise self._lost_error()
            raise StateError(
                f"{self.description}: the state changed in Consul since it was read "
                f"(check-and-set on ModifyIndex {self._index} failed); nothing was written",
                hint="another run wrote it; run the command again")
        self._index = int(result.results[-1]["KV"]["ModifyIndex"])
        self._delete_stale_chunks(keep=new_prefix)

    def _delete_stale_chunks(self, keep: str | None) -> None:
        prefixes = {self.chunks_prefix + key[len(self.chunks_prefix):].split("/", 1)[0] + "/"
                    for key in self.kv.keys(self.chunks_prefix)}
        for prefix in sorted(prefixes - {keep}):
            self.kv.delete(prefix, recurse=True)

    def _lost_error(self) -> StateLockedError:
        return StateLockedError(
            f"{self.description}: the state lock was lost (its Consul session was "
            "invalidated); stopped before writing the state",
            None, hint="the run did not save its last changes; check the state and run again")


def parse_header(value: bytes) -> dict[str, Any] | None:
    """The chunk header stored at ``path``, or None when ``value`` is a plain state."""
    if len(value) > 64 * 1024 or HEADER_MARKER.encode() not in value:
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    if not isinstance(doc, dict) or HEADER_MARKER not in doc:
        return None
    if doc.get("encoding") != "gzip" or not isinstance(doc.get("chunks"), list) \
            or not isinstance(doc.get("sha256"), str):
        return None
    return doc


def normalize_path(path: str) -> str:
    cleaned = path.strip().strip("/")
    if not cleaned:
        raise StateError('backend "consul" needs a KV path, e.g. path = "ncplan/prod"')
    return cleaned


def open_consul(path: str, settings: ConsulHttpSettings, *,
                ttl: float | None = None, renew_every: float | None = None) -> StateManager:
    kv = ConsulKV(settings)
    key = normalize_path(path)
    kwargs: dict[str, float] = {}
    if ttl is not None:
        kwargs["ttl"] = ttl
    if renew_every is not None:
        kwargs["renew_every"] = renew_every
    locker = ConsulLocker(kv, key, **kwargs)
    return StateManager(ConsulStorage(kv, key, locker), locker)
