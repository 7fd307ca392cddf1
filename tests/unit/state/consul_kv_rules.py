"""Consul KV rules the state backend relies on, as a scenario of calls through ``ConsulKV``.

tests/record/record_consul_kv.py runs :data:`SCENARIO` against the real Consul agent and
writes what each step gave to ``fixtures/consul_kv_rules.json``; the unit tests run the
same scenario on the in-memory KV and require the very same outcomes. So the in-memory KV
follows what Consul was seen to do (value size limit, check-and-set on put, delete and
txn, check-session, acquire), not what we assume it does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ncplan.errors import StateError
from ncplan.state.backends.consul_kv import KVEntry, TxnResult

FIXTURE = Path(__file__).parent / "fixtures" / "consul_kv_rules.json"
MAX_VALUE = 512 * 1024  # what the scenario probes; the fixture says what Consul did


class KVClient(Protocol):
    """The calls of ``ConsulKV`` that the backend makes (the in-memory KV has the same)."""

    def get(self, key: str) -> KVEntry | None: ...
    def keys(self, prefix: str) -> list[str]: ...
    def put(self, key: str, value: bytes, *, acquire: str | None = None,
            cas: int | None = None) -> bool: ...
    def delete(self, key: str, *, recurse: bool = False, cas: int | None = None) -> bool: ...
    def txn(self, ops: list[dict[str, Any]]) -> TxnResult: ...
    def session_create(self, *, name: str, ttl: str, behavior: str = "delete",
                       lock_delay: str = "0s") -> str: ...
    def session_renew(self, session: str, *, timeout: float = 30.0) -> bool: ...
    def session_destroy(self, session: str) -> None: ...


@dataclass
class Run:
    """One run of the scenario: the client, a key prefix and what earlier steps saw."""

    kv: KVClient
    prefix: str
    sessions: dict[str, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def index(self, name: str) -> int:
        entry = self.kv.get(self.key(name))
        return entry.modify_index if entry is not None else 0

    def session(self, name: str) -> str:
        if name not in self.sessions:
            self.sessions[name] = self.kv.session_create(name=f"rules {name}", ttl="60s")
        return self.sessions[name]

    def normalize(self, value: Any) -> Any:
        """``value`` with the prefix, session IDs and raft indexes made run-independent."""
        text = json.dumps(value, sort_keys=True).replace(self.prefix, "PREFIX")
        for name, session in self.sessions.items():
            text = text.replace(session, f"SESSION-{name}")
        text = re.sub(r'"(ModifyIndex|CreateIndex|LockIndex|Flags)": \d+', r'"\1": 0', text)
        return json.loads(text)


def _txn(run: Run, ops: list[dict[str, Any]]) -> dict[str, Any]:
    result = run.kv.txn(ops)
    return {"ok": result.ok, "errors": [dict(e) for e in result.errors],
            "results": [{"Key": r["KV"]["Key"], "Value": r["KV"].get("Value"),
                         "Session": r["KV"].get("Session")} for r in result.results]}


def _entry(run: Run, name: str) -> dict[str, Any] | None:
    entry = run.kv.get(run.key(name))
    if entry is None:
        return None
    return {"size": len(entry.value), "session": entry.session}


def _stale_put(run: Run) -> bool:
    old = run.index("a")
    run.kv.put(run.key("a"), b"two")
    return run.kv.put(run.key("a"), b"three", cas=old)


def _stale_txn(run: Run) -> dict[str, Any]:
    old = run.index("t")
    run.kv.put(run.key("t"), b"moved on")
    return _txn(run, [{"Verb": "cas", "Key": run.key("t"), "Value": b"late", "Index": old}])


def _stale_delete(run: Run) -> bool:
    old = run.index("d")
    run.kv.put(run.key("d"), b"moved on")
    return run.kv.delete(run.key("d"), cas=old)


def _check_session(run: Run, holder: str, cas_index: str) -> dict[str, Any]:
    index = {"current": run.index("state"), "stale": 1}[cas_index]
    return _txn(run, [
        {"Verb": "check-session", "Key": run.key("lock"), "Session": run.session(holder)},
        {"Verb": "cas", "Key": run.key("state"), "Value": b"new state", "Index": index}])


Step = tuple[str, Callable[[Run], Any]]

SCENARIO: list[Step] = [
    ("put a new key", lambda r: r.kv.put(r.key("a"), b"one")),
    ("put cas=0 on an existing key", lambda r: r.kv.put(r.key("a"), b"x", cas=0)),
    ("put cas=0 on a missing key", lambda r: r.kv.put(r.key("b"), b"b", cas=0)),
    ("put cas=<stale index>", _stale_put),
    ("put cas=<current index>", lambda r: r.kv.put(r.key("a"), b"four", cas=r.index("a"))),
    ("put cas=<index> on a missing key", lambda r: r.kv.put(r.key("nope"), b"x", cas=5)),
    ("read back after the puts", lambda r: [_entry(r, "a"), _entry(r, "b"), _entry(r, "nope")]),
    ("put a value of exactly 512 KiB", lambda r: r.kv.put(r.key("big"), b"v" * MAX_VALUE)),
    ("put a value of 512 KiB + 1", lambda r: r.kv.put(r.key("big"), b"v" * (MAX_VALUE + 1))),
    ("the refused put left the key as it was", lambda r: _entry(r, "big")),
    ("put d", lambda r: r.kv.put(r.key("d"), b"d")),
    ("delete cas=<stale index>", _stale_delete),
    ("delete cas=<current index>", lambda r: r.kv.delete(r.key("d"), cas=r.index("d"))),
    ("delete cas=<index> on a missing key", lambda r: r.kv.delete(r.key("d"), cas=7)),
    ("delete cas=0 on an existing key", lambda r: r.kv.delete(r.key("b"), cas=0)),
    ("delete without cas on a missing key", lambda r: r.kv.delete(r.key("gone"))),
    ("b is still there", lambda r: _entry(r, "b")),
    ("txn cas Index=0 on a missing key", lambda r: _txn(r, [
        {"Verb": "cas", "Key": r.key("t"), "Value": b"t", "Index": 0}])),
    ("txn cas Index=0 on an existing key", lambda r: _txn(r, [
        {"Verb": "cas", "Key": r.key("t"), "Value": b"t2", "Index": 0}])),
    ("txn cas <stale index>", _stale_txn),
    ("txn cas <current index>", lambda r: _txn(r, [
        {"Verb": "cas", "Key": r.key("t"), "Value": b"t3", "Index": r.index("t")}])),
    ("txn set of 512 KiB + 1", lambda r: _txn(r, [
        {"Verb": "set", "Key": r.key("t"), "Value": b"v" * (MAX_VALUE + 1)}])),
    ("txn set of 380 KiB (its base64 body is under 512 KiB)", lambda r: _txn(r, [
        {"Verb": "set", "Key": r.key("t"), "Value": b"v" * 380 * 1024}])),
    ("txn set of 400 KiB (its base64 body is over 512 KiB)", lambda r: _txn(r, [
        {"Verb": "set", "Key": r.key("t"), "Value": b"v" * 400 * 1024}])),
    ("t after the txns", lambda r: _entry(r, "t")),
    ("acquire the lock with session one", lambda r: r.kv.put(
        r.key("lock"), b"info", acquire=r.session("one"))),
    ("acquire the held lock with session two", lambda r: r.kv.put(
        r.key("lock"), b"info", acquire=r.session("two"))),
    ("acquire again with the holding session", lambda r: r.kv.put(
        r.key("lock"), b"info2", acquire=r.session("one"))),
    ("the lock's holder", lambda r: _entry(r, "lock")),
    ("put state", lambda r: r.kv.put(r.key("state"), b"state")),
    ("txn check-session by the holder, cas current", lambda r: _check_session(r, "one",
                                                                             "current")),
    ("txn check-session by another session", lambda r: _check_session(r, "two", "current")),
    ("txn check-session by the holder, cas stale", lambda r: _check_session(r, "one", "stale")),
    ("state after the txns", lambda r: _entry(r, "state")),
    ("txn check-session on a missing key", lambda r: _txn(r, [
        {"Verb": "check-session", "Key": r.key("none"), "Session": r.session("one")}])),
    ("destroy the holding session (behavior delete)", lambda r: r.kv.session_destroy(
        r.session("one"))),
    ("the lock after the destroy", lambda r: _entry(r, "lock")),
    ("renew the destroyed session", lambda r: r.kv.session_renew(r.session("one"))),
    ("renew a live session", lambda r: r.kv.session_renew(r.session("two"))),
    ("acquire with the destroyed session", lambda r: r.kv.put(
        r.key("lock"), b"info", acquire=r.session("one"))),
    ("acquire the freed lock with session two", lambda r: r.kv.put(
        r.key("lock"), b"info", acquire=r.session("two"))),
    ("keys under the prefix", lambda r: r.kv.keys(r.prefix + "/")),
    ("recursive delete of the prefix", lambda r: r.kv.delete(r.prefix + "/", recurse=True)),
    ("keys after the recursive delete", lambda r: r.kv.keys(r.prefix + "/")),
]


def run_scenario(kv: KVClient, prefix: str) -> list[dict[str, Any]]:
    """Every step's name and outcome: what it returned, or the StateError it raised."""
    run = Run(kv, prefix)
    outcomes = []
    for name, step in SCENARIO:
        try:
            outcome: dict[str, Any] = {"returned": step(run)}
        except StateError as error:
            outcome = {"error": error.message}
        outcomes.append({"step": name, **run.normalize(outcome)})
    return outcomes


def recorded() -> dict[str, Any]:
    return dict(json.loads(FIXTURE.read_text()))
