"""An in-memory Consul KV with sessions, behind the same calls as ``ConsulKV``.

It follows the rules recorded from the real agent (fixtures/consul_kv_rules.json, made by
tests/record/record_consul_kv.py): the size limits of a KV value and of a transaction's
body, and the messages of those refusals, are read from the recording; and
test_state_consul_unit.py replays the recorded scenario on it and requires the same
outcomes, error messages included.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from consul_kv_rules import recorded

from ncplan.errors import StateError
from ncplan.state.backends.consul_kv import KVEntry, TxnResult, txn_body


def _refusal(step: str) -> tuple[int, str]:
    """The size limit Consul gave and its message, from the recorded refusal in ``step``."""
    message = {row["step"]: row for row in recorded()["steps"]}[step]["error"]
    found = re.search(r"max size: (\d+) bytes", message)
    assert found is not None, message
    reason = message.split("HTTP 413: ", 1)[1]
    return int(found.group(1)), re.sub(r"Request body\(\d+ bytes\)",
                                       "Request body(SIZE bytes)", reason)


MAX_VALUE, _VALUE_REFUSED = _refusal("put a value of 512 KiB + 1")
MAX_TXN_BODY, _TXN_REFUSED = _refusal("txn set of 512 KiB + 1")


class MemoryKV:
    """KV entries with a raft-like index, sessions with behavior ``delete``, and txn."""

    def __init__(self) -> None:
        self.data: dict[str, KVEntry] = {}
        self.sessions: set[str] = set()
        self.index = 100
        self.writes: list[str] = []
        self.renew_timeouts: list[float] = []

    def _set(self, key: str, value: bytes, session: str | None = None) -> KVEntry:
        self.index += 1
        self.data[key] = KVEntry(key, value, self.index, session)
        self.writes.append(key)
        return self.data[key]

    def _cas_ok(self, key: str, cas: int) -> bool:
        entry = self.data.get(key)
        return (entry.modify_index if entry is not None else 0) == cas

    def get(self, key: str) -> KVEntry | None:
        return self.data.get(key)

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.data if k.startswith(prefix))

    def put(self, key: str, value: bytes, *, acquire: str | None = None,
            cas: int | None = None) -> bool:
        if len(value) > MAX_VALUE:
            raise StateError(f"Consul PUT /v1/kv/{key} failed: HTTP 413: "
                             + _VALUE_REFUSED.replace("SIZE", str(len(value))))
        if cas is not None and not self._cas_ok(key, cas):
            return False
        held = self.data.get(key)
        session = held.session if held is not None else None
        if acquire is not None:
            if acquire not in self.sessions:
                raise StateError(f"Consul PUT /v1/kv/{key} failed: HTTP 500: "
                                 f'raft apply failed: invalid session "{acquire}"')
            if session not in (None, acquire):
                return False
            session = acquire
        self._set(key, value, session)
        return True

    def delete(self, key: str, *, recurse: bool = False, cas: int | None = None) -> bool:
        if cas is not None:
            entry = self.data.get(key)
            if entry is None:
                return True
            if entry.modify_index != cas:
                return False
        self.index += 1
        for k in [k for k in self.data if k == key or (recurse and k.startswith(key))]:
            del self.data[k]
        return True

    def txn(self, ops: list[dict[str, Any]]) -> TxnResult:
        size = len(json.dumps(txn_body(ops)).encode())
        if size > MAX_TXN_BODY:
            raise StateError("Consul PUT /v1/txn failed: HTTP 413: "
                             + _TXN_REFUSED.replace("SIZE", str(size)))
        errors = [error for number, op in enumerate(ops)
                  if (error := self._txn_check(number, op)) is not None]
        if errors:
            return TxnResult(False, (), tuple(errors))
        results = []
        for op in ops:
            entry = self.data.get(op["Key"])
            if op["Verb"] in ("set", "cas"):
                entry = self._set(op["Key"], op["Value"], entry.session if entry else None)
            assert entry is not None
            results.append({"KV": {"Key": entry.key, "Value": None, "Session": entry.session,
                                   "ModifyIndex": entry.modify_index}})
        return TxnResult(True, tuple(results), ())

    def _txn_check(self, number: int, op: dict[str, Any]) -> dict[str, Any] | None:
        key, verb = op["Key"], op["Verb"]
        entry = self.data.get(key)
        if verb == "cas" and not self._cas_ok(key, op["Index"]):
            return {"OpIndex": number, "What": f'failed to set key "{key}", index is stale'}
        if verb == "check-session":
            if entry is None:
                return {"OpIndex": number,
                        "What": f'failed to check session, key "{key}" doesn\'t exist'}
            if entry.session != op["Session"]:
                return {"OpIndex": number,
                        "What": f'failed session check for key "{key}", current session '
                                f'"{entry.session}" != "{op["Session"]}"'}
        return None

    def session_create(self, *, name: str, ttl: str, behavior: str = "delete",
                       lock_delay: str = "0s") -> str:
        session = "-".join(secrets.token_hex(n) for n in (4, 2, 2, 2, 6))
        self.sessions.add(session)
        return session

    def session_renew(self, session: str, *, timeout: float = 30.0) -> bool:
        self.renew_timeouts.append(timeout)
        return session in self.sessions

    def session_destroy(self, session: str) -> None:
        self.sessions.discard(session)
        for key in [k for k, e in self.data.items() if e.session == session]:
            del self.data[key]  # behavior = delete
