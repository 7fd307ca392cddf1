"""The Consul backend's logic over an in-memory stand-in for Consul's KV and sessions."""

from __future__ import annotations

import gzip
import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from state_helpers import job

from ncplan.errors import StateError, StateLockedError
from ncplan.providers.consul_http import ConsulHttpSettings
from ncplan.state.backends.consul import (
    CHUNK_SIZE,
    ConsulStorage,
    normalize_path,
    parse_header,
)
from ncplan.state.backends.consul_kv import KVEntry, TxnResult
from ncplan.state.backends.consul_lock import ConsulLocker
from ncplan.state.locking import new_lock_info
from ncplan.state.manager import StateManager
from ncplan.state.model import State


class FakeKV:
    """Just enough of Consul: KV with ModifyIndex and sessions, txn with cas/check-session."""

    def __init__(self) -> None:
        self.data: dict[str, KVEntry] = {}
        self.sessions: set[str] = set()
        self.index = 0
        self.puts: list[str] = []

    def _set(self, key: str, value: bytes, session: str | None = None) -> int:
        self.index += 1
        self.data[key] = KVEntry(key, value, self.index, session)
        self.puts.append(key)
        return self.index

    def get(self, key: str) -> KVEntry | None:
        return self.data.get(key)

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.data if k.startswith(prefix))

    def put(self, key: str, value: bytes, *, acquire: str | None = None,
            cas: int | None = None) -> bool:
        if acquire is not None:
            held = self.data.get(key)
            if acquire not in self.sessions or (held and held.session not in (None, acquire)):
                return False
        self._set(key, value, acquire)
        return True

    def delete(self, key: str, *, recurse: bool = False) -> None:
        for k in [k for k in self.data if k == key or (recurse and k.startswith(key))]:
            del self.data[k]

    def txn(self, ops: list[dict[str, Any]]) -> TxnResult:
        for number, op in enumerate(ops):
            entry = self.data.get(op["Key"])
            if op["Verb"] == "check-session" and (entry is None
                                                   or entry.session != op["Session"]):
                return TxnResult(False, (), ({"OpIndex": number, "What": "lock"},))
            if op["Verb"] == "cas" and (entry.modify_index if entry else 0) != op["Index"]:
                return TxnResult(False, (), ({"OpIndex": number, "What": "cas"},))
        op = ops[-1]
        index = self._set(op["Key"], op["Value"])
        return TxnResult(True, ({"KV": {"ModifyIndex": index}},), ())

    def session_create(self, *, name: str, ttl: str, behavior: str = "delete",
                       lock_delay: str = "0s") -> str:
        session = secrets.token_hex(8)
        self.sessions.add(session)
        return session

    def session_renew(self, session: str) -> bool:
        return session in self.sessions

    def session_destroy(self, session: str) -> None:
        self.sessions.discard(session)
        for key in [k for k, e in self.data.items() if e.session == session]:
            del self.data[key]  # behavior = delete


def open_fake(kv: FakeKV, path: str = "ncplan/prod") -> tuple[StateManager, ConsulLocker]:
    locker = ConsulLocker(kv, path, renew_every=3600)  # type: ignore[arg-type]
    return StateManager(ConsulStorage(kv, path, locker), locker), locker  # type: ignore[arg-type]


def test_big_state_is_chunked_and_read_back() -> None:
    kv = FakeKV()
    manager, _ = open_fake(kv)
    state = State.new([job(f"j{n}", payload=secrets.token_hex(60_000)) for n in range(10)])
    manager.write(state)
    stored = manager.persist()
    header = parse_header(kv.data["ncplan/prod"].value)
    assert header is not None and len(header["chunks"]) >= 2
    assert all(len(kv.data[k].value) <= CHUNK_SIZE for k in header["chunks"])
    packed = b"".join(kv.data[k].value for k in header["chunks"])
    assert json.loads(gzip.decompress(packed))["serial"] == 1
    assert open_fake(kv)[0].read() == stored


def test_lost_lock_refuses_the_write_before_sending_anything() -> None:
    kv = FakeKV()
    manager, locker = open_fake(kv)
    lock_id = manager.lock(new_lock_info("apply"))
    manager.write(State.new([job("db")]))
    manager.persist()
    locker.mark_lost()
    puts = len(kv.puts)
    state = manager.read()
    assert state is not None
    manager.write(state.with_resource(job("web")))
    with pytest.raises(StateLockedError, match="the state lock was lost"):
        manager.persist()
    assert len(kv.puts) == puts
    manager.unlock(lock_id)


def test_session_check_in_the_transaction_catches_a_loss_the_renewer_missed() -> None:
    kv = FakeKV()
    manager, locker = open_fake(kv)
    manager.lock(new_lock_info("apply"))
    kv.session_destroy(next(iter(kv.sessions)))
    manager.write(State.new([job("db")]))
    with pytest.raises(StateLockedError, match="lock was lost"):
        manager.persist()
    assert locker.lost
    assert "ncplan/prod" not in kv.data


def test_second_locker_gets_the_holders_info() -> None:
    kv = FakeKV()
    first, _ = open_fake(kv)
    second, _ = open_fake(kv)
    info = new_lock_info("apply")
    first.lock(info)
    with pytest.raises(StateLockedError) as caught:
        second.lock(new_lock_info("plan"))
    assert caught.value.info == info
    assert len(kv.sessions) == 1  # the loser's session was destroyed
    first.unlock(info.id)
    assert "ncplan/prod/.lock" not in kv.data and "ncplan/prod/.lockinfo" not in kv.data


def test_header_parsing_and_paths() -> None:
    assert parse_header(b'{"version": 2}') is None
    assert parse_header(b'{"ncplan_chunked": 1, "encoding": "zstd", "chunks": []}') is None
    assert parse_header(b'{"ncplan_chunked": 1, "encoding": "gzip", "sha256": "x", '
                        b'"chunks": ["a"]}') is not None
    assert normalize_path("/ncplan/prod/") == "ncplan/prod"
    with pytest.raises(StateError, match="needs a KV path"):
        normalize_path(" / ")


def test_http_settings_from_config_and_env(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    env = {"CONSUL_HTTP_ADDR": "10.0.0.1:8501", "CONSUL_HTTP_SSL": "true",
           "CONSUL_HTTP_TOKEN_FILE": str(token_file), "CONSUL_CACERT": "/ca.pem",
           "CONSUL_HTTP_SSL_VERIFY": "false"}
    settings = ConsulHttpSettings.resolve(env=env)
    assert settings.address == "https://10.0.0.1:8501"
    assert settings.token == "from-file"
    assert settings.verify is False
    http = settings.session()
    assert http.headers["X-Consul-Token"] == "from-file" and http.verify is False
    explicit = ConsulHttpSettings.resolve("http://consul:8500/", env={
        **env, "CONSUL_HTTP_TOKEN": "t", "CONSUL_HTTP_SSL_VERIFY": "true"})
    assert (explicit.address, explicit.token) == ("http://consul:8500", "t")
    assert explicit.session().verify == "/ca.pem"
    assert ConsulHttpSettings.resolve(env={}).address == "http://127.0.0.1:8500"
