"""The Consul state backend against the real Consul dev agent: CAS, chunks, session locks."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from agentlib import Agents
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.errors import StateError, StateLockedError
from ncplan.state.backends.consul import CHUNK_SIZE, open_consul
from ncplan.state.backends.consul_kv import ConsulKV
from ncplan.state.backends.consul_lock import ConsulLocker
from ncplan.state.codec import encode
from ncplan.state.locking import acquire, new_lock_info
from ncplan.state.manager import StateManager
from ncplan.state.model import ResourceState, State
from ncplan.transport.consul import ConsulHttpSettings

# A child process that takes the Consul lock and reports it; then holds it, exits without
# unlocking (atexit must release), or interrupts itself (the finally must release).
HOLDER = textwrap.dedent("""
    import os, signal, sys, time
    from ncplan.errors import StateLockedError
    from ncplan.transport.consul import ConsulHttpSettings
    from ncplan.state.backends.consul import open_consul
    from ncplan.state.locking import acquire, locked, new_lock_info

    address, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    manager = open_consul(path, ConsulHttpSettings(address=address))
    if mode == "exit":
        lock_id = acquire(manager, new_lock_info("apply"), 0)
        print("LOCKED", lock_id, flush=True)
        sys.exit(0)  # no unlock: atexit releases it
    if mode == "interrupt":
        try:
            with locked(manager, "apply", 0) as lock_id:
                print("LOCKED", lock_id, flush=True)
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(30)
        except KeyboardInterrupt:
            sys.exit(130)
    if mode == "sigterm":  # the CLI's own handler: SIGTERM unwinds like Ctrl-C
        from ncplan import interrupts
        interrupts.install()
        try:
            with locked(manager, "apply", 0) as lock_id:
                print("LOCKED", lock_id, flush=True)
                time.sleep(60)
        except KeyboardInterrupt:
            sys.exit(130)
    go_file = sys.argv[5] if len(sys.argv) > 5 else None
    while go_file and not os.path.exists(go_file):
        time.sleep(0.005)
    try:
        with locked(manager, "apply", float(sys.argv[4]) if len(sys.argv) > 4 else 0) as lock_id:
            print("LOCKED", lock_id, flush=True)
            time.sleep(float(mode))
    except StateLockedError as error:
        print("BUSY", error.info.id if error.info else "-", flush=True)
        sys.exit(3)
""")


@pytest.fixture
def settings(agents: Agents) -> ConsulHttpSettings:
    return ConsulHttpSettings(address=agents.consul_addr)


@pytest.fixture
def kv_path(agents: Agents, unique: str) -> Iterator[str]:
    path = f"ncplan-test/{unique}"
    yield path
    agents.consul("DELETE", f"/v1/kv/{path}", params={"recurse": ""})


def holder(agents: Agents, path: str, mode: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, agents.consul_addr, path, mode,
                              *extra], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line and line[0] == "LOCKED", line
    return child, line[1]


def kv_get(agents: Agents, key: str) -> dict[str, object] | None:
    response = agents.consul("GET", f"/v1/kv/{key}")
    return None if response.status_code == 404 else response.json()[0]


def kv_keys(agents: Agents, prefix: str) -> list[str]:
    response = agents.consul("GET", f"/v1/kv/{prefix}", params={"keys": ""})
    return [] if response.status_code == 404 else list(response.json())


def persist(manager: StateManager, state: State) -> State:
    manager.write(state)
    stored = manager.persist()
    assert stored is not None
    return stored


def job(name: str, payload: str = "") -> ResourceState:
    return ResourceState(f"nomad_job.{name}", "nomad_job", name,
                         {"Name": name, "Payload": payload}, 1)


def big_state(total: int) -> State:
    """Random hex: compresses about 2:1, so gzip'd it still needs several chunks."""
    return State.new([job(f"j{n}", secrets.token_hex(total // 20)) for n in range(10)])


def test_small_state_is_plain_json_written_with_cas(agents: Agents, settings: ConsulHttpSettings,
                                                    kv_path: str) -> None:
    manager = open_consul(kv_path, settings)
    assert manager.read() is None
    first = persist(manager, State.new([job("db")]))
    assert first.serial == 1
    entry = kv_get(agents, kv_path)
    assert entry is not None
    doc = json.loads(base64.b64decode(str(entry["Value"])))
    assert (doc["serial"], doc["lineage"], doc["version"]) == (1, first.lineage, 3)
    index = entry["ModifyIndex"]
    assert persist(manager, first).serial == 1  # identical: nothing written
    assert kv_get(agents, kv_path)["ModifyIndex"] == index  # type: ignore[index]
    second = persist(open_consul(kv_path, settings), first.with_resource(job("web")))
    assert (second.serial, second.lineage) == (2, first.lineage)
    assert open_consul(kv_path, settings).read() == second


def test_a_concurrent_writer_loses_the_check_and_set(settings: ConsulHttpSettings,
                                                     kv_path: str) -> None:
    persist(open_consul(kv_path, settings), State.new([job("db")]))
    one, two = open_consul(kv_path, settings), open_consul(kv_path, settings)
    base_one, base_two = one.read(), two.read()
    assert base_one is not None and base_two is not None
    persist(one, base_one.with_resource(job("web")))
    two.write(base_two.with_resource(job("api")))
    with pytest.raises(StateError, match="changed in Consul since it was read"):
        two.persist()
    stored = open_consul(kv_path, settings).read()
    assert stored is not None and stored.addresses == ("nomad_job.db", "nomad_job.web")


def test_a_state_over_512_kb_is_gzipped_and_chunked(agents: Agents, settings: ConsulHttpSettings,
                                                    kv_path: str) -> None:
    manager = open_consul(kv_path, settings)
    state = big_state(1_500_000)
    started = time.monotonic()
    stored = persist(manager, state)
    elapsed = time.monotonic() - started
    print(f"wrote a {len(json.dumps(stored.resources[0].attributes)) * 10 // 1024} KiB state "
          f"in {elapsed:.3f}s")
    header = json.loads(base64.b64decode(str(kv_get(agents, kv_path)["Value"])))  # type: ignore[index]
    assert header["ncplan_chunked"] == 1 and header["encoding"] == "gzip"
    assert len(header["chunks"]) >= 2
    assert all(key.startswith(f"{kv_path}/.chunks/") for key in header["chunks"])
    for key in header["chunks"]:
        chunk = kv_get(agents, key)
        assert chunk is not None
        assert len(base64.b64decode(str(chunk["Value"]))) <= CHUNK_SIZE
    assert open_consul(kv_path, settings).read() == stored

    # a second big version replaces the chunks; the old ones are deleted
    bigger = persist(manager, stored.with_resource(job("extra", secrets.token_hex(200_000))))
    new_header = json.loads(base64.b64decode(str(kv_get(agents, kv_path)["Value"])))  # type: ignore[index]
    assert sorted(kv_keys(agents, f"{kv_path}/.chunks/")) == sorted(new_header["chunks"])
    assert open_consul(kv_path, settings).read() == bigger

    # shrinking back to a small state stores plain JSON and removes every chunk
    small = persist(manager, bigger.with_resources([job("db")]))
    assert kv_keys(agents, f"{kv_path}/.chunks/") == []
    assert open_consul(kv_path, settings).read() == small


def test_lock_contention_between_two_processes(settings: ConsulHttpSettings, agents: Agents,
                                               kv_path: str) -> None:
    child, holder_id = holder(agents, kv_path, "60")
    try:
        manager = open_consul(kv_path, settings)
        with pytest.raises(StateLockedError) as caught:
            acquire(manager, new_lock_info("plan"), timeout=0.5)
        info = caught.value.info
        assert info is not None
        assert (info.id, info.operation, info.extra["pid"]) == (holder_id, "apply",
                                                                 str(child.pid))
        lock_entry = kv_get(agents, f"{kv_path}/.lock")
        assert lock_entry is not None and lock_entry.get("Session")
        assert kv_get(agents, f"{kv_path}/.lockinfo") is not None
    finally:
        child.kill()
        child.wait()


def test_the_loser_waits_for_the_lock(settings: ConsulHttpSettings, agents: Agents,
                                      kv_path: str) -> None:
    child, _ = holder(agents, kv_path, "1.5")
    manager = open_consul(kv_path, settings)
    started = time.monotonic()
    lock_id = acquire(manager, new_lock_info("plan"), timeout=30)
    assert time.monotonic() - started > 0.5
    manager.unlock(lock_id)
    assert child.wait(timeout=30) == 0
    assert kv_get(agents, f"{kv_path}/.lock") is None
    assert kv_get(agents, f"{kv_path}/.lockinfo") is None


def test_two_processes_race_one_wins(agents: Agents, kv_path: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", HOLDER, agents.consul_addr, kv_path,
                                "60", "0", str(go)], stdout=subprocess.PIPE, text=True)
              for _ in range(2)]
    try:
        time.sleep(1.0)
        go.touch()
        outputs = []
        for racer in racers:
            assert racer.stdout is not None
            outputs.append(racer.stdout.readline().split())
    finally:
        for racer in racers:
            racer.kill()
            racer.wait()
    assert sorted(o[0] for o in outputs) == ["BUSY", "LOCKED"], outputs
    winner = next(o for o in outputs if o[0] == "LOCKED")
    loser = next(o for o in outputs if o[0] == "BUSY")
    assert loser[1] == winner[1]  # the loser names the winner's lock ID


@pytest.mark.parametrize("mode", ["exit", "interrupt"])
def test_lock_is_released_at_exit_and_on_ctrl_c(settings: ConsulHttpSettings, agents: Agents,
                                                kv_path: str, mode: str) -> None:
    child, _ = holder(agents, kv_path, mode)
    child.wait(timeout=30)
    assert kv_get(agents, f"{kv_path}/.lock") is None
    manager = open_consul(kv_path, settings)
    manager.unlock(acquire(manager, new_lock_info("plan"), timeout=0))


def test_lock_is_released_when_the_holder_gets_sigterm(agents: Agents, kv_path: str) -> None:
    child, _ = holder(agents, kv_path, "sigterm")
    assert kv_get(agents, f"{kv_path}/.lock") is not None
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 130
    # Released at once by the holder, not left for the session TTL to expire.
    assert kv_get(agents, f"{kv_path}/.lock") is None


def test_a_destroyed_session_stops_the_next_write(settings: ConsulHttpSettings, agents: Agents,
                                                  kv_path: str) -> None:
    manager = open_consul(kv_path, settings)
    lock_id = acquire(manager, new_lock_info("apply"), timeout=0)
    state = persist(manager, State.new([job("db")]))
    session = kv_get(agents, f"{kv_path}/.lock")["Session"]  # type: ignore[index]
    assert agents.consul("PUT", f"/v1/session/destroy/{session}").status_code == 200
    manager.write(state.with_resource(job("web")))
    with pytest.raises(StateLockedError, match="the state lock was lost"):
        manager.persist()
    stored = open_consul(kv_path, settings).read()
    assert stored == state  # nothing was written after the loss
    manager.unlock(lock_id)  # releasing a lost lock is quiet


def test_the_renewer_notices_a_lost_session_before_the_write(settings: ConsulHttpSettings,
                                                             agents: Agents,
                                                             kv_path: str) -> None:
    manager = open_consul(kv_path, settings, renew_every=0.1)
    lock_id = acquire(manager, new_lock_info("apply"), timeout=0)
    state = persist(manager, State.new([job("db")]))
    session = kv_get(agents, f"{kv_path}/.lock")["Session"]  # type: ignore[index]
    agents.consul("PUT", f"/v1/session/destroy/{session}")
    assert kv_get(agents, f"{kv_path}/.lock") is None  # behavior=delete
    time.sleep(1.0)
    requests_before = kv_get(agents, kv_path)["ModifyIndex"]  # type: ignore[index]
    manager.write(state.with_resource(job("web")))
    with pytest.raises(StateLockedError) as caught:
        manager.persist()
    assert "stopped before writing the state" in caught.value.message
    assert kv_get(agents, kv_path)["ModifyIndex"] == requests_before  # type: ignore[index]
    manager.unlock(lock_id)


def test_the_session_is_renewed_past_its_ttl(settings: ConsulHttpSettings, agents: Agents,
                                             kv_path: str) -> None:
    manager = open_consul(kv_path, settings, ttl=10, renew_every=1)
    lock_id = acquire(manager, new_lock_info("apply"), timeout=0)
    time.sleep(22)  # Consul invalidates an unrenewed 10s session within 2 x TTL
    persist(manager, State.new([job("db")]))
    assert kv_get(agents, f"{kv_path}/.lock") is not None
    manager.unlock(lock_id)


def test_force_unlock_after_a_killed_holder(settings: ConsulHttpSettings, agents: Agents,
                                            kv_path: str) -> None:
    child, holder_id = holder(agents, kv_path, "60")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    manager = open_consul(kv_path, settings)
    with pytest.raises(StateLockedError):
        manager.lock(new_lock_info("plan"))  # its session lives until the TTL runs out
    with pytest.raises(StateError, match="does not match the lock held"):
        manager.force_unlock("wrong")
    message = manager.force_unlock(holder_id)
    assert message.startswith(f"Released lock {holder_id} held by ")
    assert kv_get(agents, f"{kv_path}/.lock") is None
    manager.unlock(manager.lock(new_lock_info("plan")))


def test_cli_against_consul(agents: Agents, kv_path: str, tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(
        f'backend "consul" {{ path = "{kv_path}" }}\n'
        f'consul {{ address = "{agents.consul_addr}" }}\n')
    state = State.new([job("db"), job("web")])
    pushed = tmp_path / "push.json"
    pushed.write_bytes(encode(replace(state, serial=4)))
    runner = CliRunner(env={"NO_COLOR": "1"})
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "push", str(pushed)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Pushed {pushed}: serial 4, lineage {state.lineage}.\n"
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "rm", "nomad_job.db"])
    assert result.exit_code == 0, result.stderr
    assert "The previous state is kept in " in result.stdout
    assert len(list(tmp_path.glob("ncplan.state.json.*.backup"))) == 1
    result = runner.invoke(app, ["-C", str(tmp_path), "state", "list"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "nomad_job.web\n", "")
    pulled = runner.invoke(app, ["-C", str(tmp_path), "state", "pull"])
    assert json.loads(pulled.stdout)["serial"] == 5


class DestroyThen(ConsulKV):
    """The real client, running ``step`` right after it destroys a session."""

    def __init__(self, settings: ConsulHttpSettings, step: Callable[[], None]) -> None:
        super().__init__(settings)
        self.step = step

    def session_destroy(self, session: str) -> None:
        super().session_destroy(session)
        self.step()


def test_force_unlock_keeps_a_lock_taken_between_the_destroy_and_the_delete(
        settings: ConsulHttpSettings, agents: Agents, kv_path: str) -> None:
    stale = open_consul(kv_path, settings)
    stale_id = stale.lock(new_lock_info("apply"))
    newcomer = open_consul(kv_path, settings)
    taken: list[str] = []
    forcer = ConsulLocker(DestroyThen(settings, lambda: taken.append(
        newcomer.lock(new_lock_info("plan")))), kv_path)
    message = forcer.force_unlock(stale_id)
    assert message.startswith(f"Released lock {stale_id} held by ")
    assert len(taken) == 1  # the newcomer acquired between the destroy and the deletes
    lock = kv_get(agents, f"{kv_path}/.lock")
    info = kv_get(agents, f"{kv_path}/.lockinfo")
    assert lock is not None and info is not None
    assert json.loads(base64.b64decode(str(info["Value"])))["ID"] == taken[0]
    sessions = agents.consul("GET", f"/v1/session/info/{lock['Session']}").json()
    assert sessions and sessions[0]["Name"].startswith("ncplan plan by ")
    persist(newcomer, State.new([job("db")]))  # its check-session still passes
    with pytest.raises(StateLockedError):
        open_consul(kv_path, settings).lock(new_lock_info("apply"))
    newcomer.unlock(taken[0])
