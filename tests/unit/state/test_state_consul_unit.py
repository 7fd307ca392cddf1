"""The Consul backend's logic over an in-memory stand-in for Consul's KV and sessions."""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from consul_kv_rules import recorded, run_scenario
from memory_kv import MAX_VALUE, MemoryKV
from state_helpers import job
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.errors import StateError, StateLockedError
from ncplan.state.backends.consul import (
    CHUNK_SIZE,
    INLINE_LIMIT,
    ConsulStorage,
    normalize_path,
    parse_header,
)
from ncplan.state.backends.consul_kv import ConsulKV
from ncplan.state.backends.consul_lock import SESSION_TTL, ConsulLocker
from ncplan.state.locking import new_lock_info
from ncplan.state.manager import StateManager
from ncplan.state.model import State
from ncplan.transport.consul import ConsulHttpSettings


def open_fake(kv: MemoryKV, path: str = "ncplan/prod") -> tuple[StateManager, ConsulLocker]:
    locker = ConsulLocker(kv, path, renew_every=3600)  # type: ignore[arg-type]
    return StateManager(ConsulStorage(kv, path, locker), locker), locker  # type: ignore[arg-type]


def open_storage(kv: MemoryKV, path: str = "ncplan/prod") -> ConsulStorage:
    locker = ConsulLocker(kv, path, renew_every=3600)  # type: ignore[arg-type]
    return ConsulStorage(kv, path, locker)  # type: ignore[arg-type]


def chunk_keys(kv: MemoryKV, path: str = "ncplan/prod") -> list[str]:
    return kv.keys(f"{path}/.chunks/")


def test_the_memory_kv_gives_what_the_real_agent_gave() -> None:
    """The recorded scenario (tests/record/record_consul_kv.py), replayed step by step."""
    replayed = run_scenario(MemoryKV(), recorded()["prefix"])  # sizes count its length
    for seen, expected in zip(replayed, recorded()["steps"], strict=True):
        assert seen == expected


def test_big_state_is_chunked_and_read_back() -> None:
    kv = MemoryKV()
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
    kv = MemoryKV()
    manager, locker = open_fake(kv)
    lock_id = manager.lock(new_lock_info("apply"))
    manager.write(State.new([job("db")]))
    manager.persist()
    locker.mark_lost()
    puts = len(kv.writes)
    state = manager.read()
    assert state is not None
    manager.write(state.with_resource(job("web")))
    with pytest.raises(StateLockedError, match="the state lock was lost"):
        manager.persist()
    assert len(kv.writes) == puts
    manager.unlock(lock_id)


def test_session_check_in_the_transaction_catches_a_loss_the_renewer_missed() -> None:
    kv = MemoryKV()
    manager, locker = open_fake(kv)
    manager.lock(new_lock_info("apply"))
    kv.session_destroy(next(iter(kv.sessions)))
    manager.write(State.new([job("db")]))
    with pytest.raises(StateLockedError, match="lock was lost"):
        manager.persist()
    assert locker.lost
    assert "ncplan/prod" not in kv.data


def test_second_locker_gets_the_holders_info() -> None:
    kv = MemoryKV()
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


def test_two_writers_the_stale_one_is_refused() -> None:
    kv = MemoryKV()
    first, second = open_storage(kv), open_storage(kv)
    assert first.load() is None and second.load() is None
    first.store(b'{"from": "first"}')
    with pytest.raises(StateError, match="changed in Consul since it was read"):
        second.store(b'{"from": "second"}')
    assert kv.data["ncplan/prod"].value == b'{"from": "first"}'
    assert second.load() == b'{"from": "first"}'
    second.store(b'{"from": "second"}')  # after reading again it may write
    with pytest.raises(StateError, match="changed in Consul"):
        first.store(b'{"from": "first, again"}')


def test_the_inline_limit_is_where_chunking_starts() -> None:
    """The largest inline state goes in one transaction, with the lock's check-session."""
    kv = MemoryKV()
    writer = open_storage(kv)
    lock_id = writer.locker.lock(new_lock_info("apply"))
    writer.load()
    inline = b"x" * INLINE_LIMIT
    writer.store(inline)
    assert kv.data["ncplan/prod"].value == inline and chunk_keys(kv) == []
    over = b"x" * (INLINE_LIMIT + 1)
    writer.store(over)
    header = parse_header(kv.data["ncplan/prod"].value)
    assert header is not None and header["size"] == len(over)
    assert gzip.decompress(b"".join(kv.data[k].value for k in header["chunks"])) == over
    assert open_storage(kv).load() == over
    writer.locker.unlock(lock_id)


def test_a_state_too_big_for_one_consul_value_is_stored_in_chunks() -> None:
    """Random bytes do not compress: the chunks must each stay under Consul's limit."""
    kv = MemoryKV()
    writer = open_storage(kv)
    writer.load()
    data = secrets.token_bytes(MAX_VALUE + 20_000)
    writer.store(data)
    header = parse_header(kv.data["ncplan/prod"].value)
    assert header is not None and len(header["chunks"]) == 2
    assert all(len(kv.data[k].value) <= MAX_VALUE for k in header["chunks"])
    assert open_storage(kv).load() == data


def test_chunks_of_older_versions_are_deleted_after_the_switch() -> None:
    kv = MemoryKV()
    writer = open_storage(kv)
    writer.load()
    writer.store(secrets.token_bytes(INLINE_LIMIT + 1))
    first = chunk_keys(kv)
    writer.store(secrets.token_bytes(INLINE_LIMIT + 1))
    second = chunk_keys(kv)
    assert first and second and not set(first) & set(second)
    assert {k.split("/")[3] for k in second} == {second[0].split("/")[3]}
    writer.store(b'{"small": true}')
    assert chunk_keys(kv) == []
    assert open_storage(kv).load() == b'{"small": true}'


def test_a_chunk_set_that_does_not_match_its_sha256_is_refused() -> None:
    kv = MemoryKV()
    writer = open_storage(kv)
    writer.load()
    writer.store(b"a" * (INLINE_LIMIT + 1))
    header = parse_header(kv.data["ncplan/prod"].value)
    assert header is not None and len(header["chunks"]) == 1
    # valid gzip of another document under the same key: only the sha256 can tell
    kv.put(header["chunks"][0], gzip.compress(b"b" * (INLINE_LIMIT + 1), mtime=0))
    with pytest.raises(StateError, match="chunks kept changing"):
        open_storage(kv).load()


class GarbageConsul:
    """A local HTTP server that answers every request 200 with the same body."""

    def __init__(self, body: bytes) -> None:
        answer = body

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    def __enter__(self) -> GarbageConsul:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


CALLS: dict[str, tuple[str, Callable[[ConsulKV], object]]] = {
    "get": ("GET /v1/kv/s/k", lambda kv: kv.get("s/k")),
    "keys": ("GET /v1/kv/s/", lambda kv: kv.keys("s/")),
    "put": ("PUT /v1/kv/s/k", lambda kv: kv.put("s/k", b"v")),
    "delete": ("DELETE /v1/kv/s/k", lambda kv: kv.delete("s/k", cas=3)),
    "txn": ("PUT /v1/txn", lambda kv: kv.txn([{"Verb": "get", "Key": "s/k"}])),
    "session_create": ("PUT /v1/session/create", lambda kv: kv.session_create(
        name="n", ttl="15s")),
    "session_renew": ("PUT /v1/session/renew/x", lambda kv: kv.session_renew("x")),
    "session_destroy": ("PUT /v1/session/destroy/x", lambda kv: kv.session_destroy("x")),
}
WRONG_SHAPES = {
    "get": [b'{"Key": "s/k"}', b'[]', b'[{"Key": "s/k", "ModifyIndex": "7"}]',
            b'[{"Key": "s/k", "ModifyIndex": 7, "Value": "!!not base64!!"}]'],
    "keys": [b'{"s/k": 1}', b'["s/a", 2]'],
    "put": [b'"true"', b'null'],
    "delete": [b'1'],
    "txn": [b'[]', b'{"Results": {"KV": {}}}', b'{"Results": [{"KV": {"Key": "s/k"}}]}'],
    "session_create": [b'{"Id": "x"}', b'"x"'],
    "session_renew": [b'{"ID": "x"}'],
    "session_destroy": [b'[]'],
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_an_answer_that_is_not_json_is_a_located_error(call: str) -> None:
    endpoint, run = CALLS[call]
    with GarbageConsul(b"<html>captive portal</html>") as server:
        kv = ConsulKV(ConsulHttpSettings(address=server.address))
        with pytest.raises(StateError) as caught:
            run(kv)
    message = caught.value.message
    assert message == (f"Consul at {server.address} answered {endpoint} with HTTP 200 but a "
                       "body that is not JSON: <html>captive portal</html>")


@pytest.mark.parametrize(("call", "body"), [(call, body) for call, bodies
                                            in sorted(WRONG_SHAPES.items()) for body in bodies])
def test_json_of_the_wrong_shape_is_a_located_error(call: str, body: bytes) -> None:
    endpoint, run = CALLS[call]
    with GarbageConsul(body) as server:
        kv = ConsulKV(ConsulHttpSettings(address=server.address))
        with pytest.raises(StateError) as caught:
            run(kv)
    assert caught.value.message.startswith(
        f"Consul at {server.address} answered {endpoint} with JSON of an unexpected shape: "
        "expected ")


def test_the_cli_reports_a_garbage_answer_and_exits_1(tmp_path: Path) -> None:
    with GarbageConsul(b"not json at all") as server:
        (tmp_path / "main.hcl").write_text(
            f'backend "consul" {{ path = "ncplan/prod" }}\n'
            f'consul {{ address = "{server.address}" }}\n')
        result = CliRunner().invoke(app, ["-C", str(tmp_path), "state", "list"])
    assert result.exit_code == 1
    assert f"Consul at {server.address} answered GET /v1/kv/ncplan/prod with HTTP 200 but " \
           "a body that is not JSON: not json at all" in result.stderr
    assert isinstance(result.exception, SystemExit)  # typer.Exit(1), not a traceback


class ExplodingKV(MemoryKV):
    """Renewal fails in a way nobody foresaw (not a StateError)."""

    def session_renew(self, session: str, *, timeout: float = 30.0) -> bool:
        self.renew_timeouts.append(timeout)
        raise ValueError("a bug deep in the HTTP stack")


def test_an_unforeseen_renewal_failure_marks_the_lock_lost_and_logs_once(
        caplog: pytest.LogCaptureFixture) -> None:
    kv = ExplodingKV()
    locker = ConsulLocker(kv, "ncplan/prod", renew_every=0.01)  # type: ignore[arg-type]
    lock_id = locker.lock(new_lock_info("apply"))
    with caplog.at_level(logging.WARNING, logger="ncplan.state.backends.consul_lock"):
        deadline = time.monotonic() + 5
        while not locker.lost and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # a renewer still running would log again
    assert locker.lost
    assert len(kv.renew_timeouts) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "consul:ncplan/prod: the state lock was lost (the renewal failed: ValueError: a bug "
        "deep in the HTTP stack); the next state write will be refused"]
    storage = ConsulStorage(kv, "ncplan/prod", locker)  # type: ignore[arg-type]
    with pytest.raises(StateLockedError, match="lock was lost"):
        storage.store(b"{}")
    locker.unlock(lock_id)


def test_the_renewal_request_times_out_well_within_a_renewal_period() -> None:
    kv = MemoryKV()
    locker = ConsulLocker(kv, "ncplan/prod", ttl=15, renew_every=0.01)  # type: ignore[arg-type]
    lock_id = locker.lock(new_lock_info("apply"))
    deadline = time.monotonic() + 5
    while not kv.renew_timeouts and time.monotonic() < deadline:
        time.sleep(0.01)
    locker.unlock(lock_id)
    assert kv.renew_timeouts and all(t < 15 / 3 for t in kv.renew_timeouts)
    assert ConsulLocker(kv, "p").renew_timeout < SESSION_TTL / 3  # type: ignore[arg-type]


def test_force_unlock_leaves_a_lock_taken_after_the_destroy_alone() -> None:
    kv = MemoryKV()
    old, _ = open_fake(kv)
    old_id = old.lock(new_lock_info("apply"))
    newcomer, _ = open_fake(kv)
    new_id: list[str] = []
    destroy = kv.session_destroy

    def destroy_then_newcomer_locks(session: str) -> None:
        destroy(session)
        new_id.append(newcomer.lock(new_lock_info("plan")))

    kv.session_destroy = destroy_then_newcomer_locks  # type: ignore[method-assign]
    message = open_fake(kv)[0].force_unlock(old_id)
    kv.session_destroy = destroy  # type: ignore[method-assign]
    assert message.startswith(f"Released lock {old_id} held by ")
    held = kv.get("ncplan/prod/.lock")
    assert held is not None and held.session is not None and held.session in kv.sessions
    info = kv.get("ncplan/prod/.lockinfo")
    assert info is not None and new_id[0] in info.value.decode()
    newcomer.unlock(new_id[0])
