"""Build, start and stop the real Consul and Nomad dev agents that ncplan is tested against.

Standard library only: `scripts/agents` (the command) and tests/integration/conftest.py
(the pytest fixtures) both use it.

Nothing ships Consul or Nomad binaries to these machines, so they are built from their Go
modules through the Go module proxy. A module zip holds only its own module: the nested
modules that the release's go.mod points at through `replace ... => ./api` are fetched as
modules of their own and laid into the tree, which is then built with upstream's own
go.mod and go.sum.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

CACHE_ROOT = Path(os.environ.get("NCPLAN_AGENTS_CACHE",
                                 Path.home() / ".cache" / "ncplan" / "agents"))
RUN_STATE = CACHE_ROOT / "run" / "agents.json"
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class NestedModule:
    """A module that lives in a subdirectory of the release's repository."""

    subdir: str
    version: str


@dataclass(frozen=True)
class AgentRelease:
    name: str
    module: str
    version: str
    nested: tuple[NestedModule, ...]
    forbidden_modules: tuple[str, ...] = ()

    @property
    def binary(self) -> Path:
        return CACHE_ROOT / f"{self.name}-{self.version}" / self.name


# Nomad v1.6.1 is the last minor line under MPL-2.0 (v1.7.0 moved to BUSL). Its nested
# api module is taken at the v1.6.1 tag's own commit, 515895c7690c, committed
# 2023-07-21 13:49:42 UTC: the pseudo-version below names exactly that commit.
NOMAD = AgentRelease(
    name="nomad",
    module="github.com/hashicorp/nomad",
    version="v1.6.1",
    nested=(NestedModule("api", "v0.0.0-20230721134942-515895c7690c"),),
)

# Consul v1.14.11 (MPL-2.0, the newest 1.14.x). Consul needs the envoyextensions and
# troubleshoot modules only from 1.15 on; build() checks that this go.mod names neither.
# The module proxy reached here records no commit for the v1.14.11 tag and answers no
# commit queries, so the nested modules are taken at the tagged versions that v1.14.11's
# own go.mod requires (api v1.18.1 was tagged on the release/1.14.x branch in 2023-09).
CONSUL = AgentRelease(
    name="consul",
    module="github.com/hashicorp/consul",
    version="v1.14.11",
    nested=(
        NestedModule("api", "v1.18.1"),
        NestedModule("sdk", "v0.13.0"),
        NestedModule("proto-public", "v0.2.1"),
    ),
    forbidden_modules=(
        "github.com/hashicorp/consul/envoyextensions",
        "github.com/hashicorp/consul/troubleshoot",
    ),
)

RELEASES = (CONSUL, NOMAD)


class AgentError(RuntimeError):
    """A build or a start failed; the message says what to do."""


def say(message: str) -> None:
    print(f"agents: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- build


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOTOOLCHAIN"] = "local"  # never download a toolchain: only modules are reachable
    env.setdefault("GOFLAGS", "-buildvcs=false")
    return env


def _module_dir(module: str, version: str) -> Path:
    """`go mod download -json MODULE@VERSION` and return the extracted directory."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True, text=True, env=_go_env(), cwd=tempfile.gettempdir(), check=False,
    )
    try:
        info = json.loads(out.stdout)
    except json.JSONDecodeError as exc:
        raise AgentError(
            f"go mod download {module}@{version} failed: {out.stderr.strip()}") from exc
    if "Error" in info or "Dir" not in info:
        raise AgentError(f"go mod download {module}@{version} failed: {info.get('Error')}")
    return Path(info["Dir"])


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=False)
    for root, dirs, files in os.walk(dst):  # the module cache is read-only
        for name in dirs + files:
            path = Path(root, name)
            path.chmod(path.stat().st_mode | 0o200)
    dst.chmod(dst.stat().st_mode | 0o200)


def check_licence(release: AgentRelease, source: Path) -> None:
    licence = (source / "LICENSE").read_text(errors="replace")
    if "Mozilla Public License" not in licence:
        raise AgentError(
            f"{release.name} {release.version} is not under MPL-2.0; refusing to build")
    gomod = (source / "go.mod").read_text()
    for forbidden in release.forbidden_modules:
        if forbidden in gomod:
            raise AgentError(
                f"{release.name} {release.version} needs {forbidden}; refusing to build")


def agent_version(binary: Path) -> str | None:
    if not binary.is_file():
        return None
    try:
        out = subprocess.run([str(binary), "version"], capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.splitlines()[0] if out.returncode == 0 and out.stdout else None


def build_release(release: AgentRelease) -> Path:
    """Build one agent into the cache; a no-op when a working binary is already there."""
    binary = release.binary
    existing = agent_version(binary)
    if existing:
        say(f"{release.name} {release.version} already built: {binary} ({existing})")
        return binary
    started = time.monotonic()
    say(f"{release.name} {release.version}: downloading module zips")
    root = _module_dir(release.module, release.version)
    check_licence(release, root)
    work = binary.parent / "src"
    if work.exists():
        shutil.rmtree(work)
    binary.parent.mkdir(parents=True, exist_ok=True)
    _copy_tree(root, work)
    for nested in release.nested:
        target = work / nested.subdir
        if target.exists():
            shutil.rmtree(target)
        say(f"{release.name}: nested module {nested.subdir} at {nested.version}")
        _copy_tree(_module_dir(f"{release.module}/{nested.subdir}", nested.version), target)
    say(f"{release.name}: go build (this takes several minutes on 2 cores)")
    partial = binary.with_suffix(".partial")
    # -checklinkname=0: these releases predate Go 1.23's restriction on //go:linkname pulls.
    cmd = ["go", "build", "-trimpath", "-ldflags=-checklinkname=0 -s -w", "-o", str(partial), "."]
    log = binary.parent / "build.log"
    with log.open("w") as out:
        result = subprocess.run(cmd, cwd=work, env=_go_env(), stdout=out, stderr=subprocess.STDOUT,
                                check=False)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise AgentError(f"go build of {release.name} failed (log: {log}):\n{tail}")
    partial.replace(binary)
    shutil.rmtree(work, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    say(f"{release.name} {release.version} built in {minutes:.1f} min: {binary} "
        f"({agent_version(binary)})")
    return binary


def build() -> None:
    started = time.monotonic()
    if shutil.which("go") is None:
        raise AgentError("go is not on PATH: the agents are built from their Go modules")
    for release in RELEASES:
        build_release(release)
    say(f"build done in {time.monotonic() - started:.0f} s")


def binaries_or_error() -> tuple[Path, Path]:
    missing = [r.name for r in RELEASES if agent_version(r.binary) is None]
    if missing:
        raise AgentError(f"no {' or '.join(missing)} binary in {CACHE_ROOT}: "
                         "run `scripts/agents build` first")
    return CONSUL.binary, NOMAD.binary


# --------------------------------------------------------------------------- run


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 for both TCP and UDP (serf gossips over both)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


@dataclass
class AgentPair:
    """A running Consul dev agent and a Nomad dev agent pointed at it."""

    run_dir: str
    consul_http_port: int
    nomad_http_port: int
    consul_pid: int = 0
    nomad_pid: int = 0
    consul_binary: str = ""
    nomad_binary: str = ""
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def consul_addr(self) -> str:
        return f"http://127.0.0.1:{self.consul_http_port}"

    @property
    def nomad_addr(self) -> str:
        return f"http://127.0.0.1:{self.nomad_http_port}"

    @property
    def consul_log(self) -> Path:
        return Path(self.run_dir) / "consul.log"

    @property
    def nomad_log(self) -> Path:
        return Path(self.run_dir) / "nomad.log"

    def log_tail(self, lines: int = 25) -> str:
        parts = []
        for log in (self.consul_log, self.nomad_log):
            text = log.read_text(errors="replace").splitlines() if log.exists() else []
            parts.append(f"--- {log} (last {lines} lines)\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop the two processes this pair started (by pid) and remove the run dir."""
        for pid in (self.nomad_pid, self.consul_pid):
            _terminate(pid)
        self.nomad_pid = self.consul_pid = 0
        _kill_leftovers(self.run_dir)
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _terminate(pid: int, timeout: float = 20.0) -> None:
    if not _pid_alive(pid):
        return
    os.kill(pid, signal.SIGINT)  # both agents leave and shut down cleanly on SIGINT
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:
            pass
        if not _pid_alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def processes_under(run_dir: str) -> list[int]:
    """Pids whose working directory or command line lies in run_dir: Nomad's executors and
    the raw_exec tasks they run (alloc dirs are under the run dir's data_dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(run_dir) or run_dir in cmdline:
            found.append(int(entry.name))
    return found


def _kill_leftovers(run_dir: str) -> None:
    for pid in processes_under(run_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read() or b"null")


def _consul_ready(pair: AgentPair) -> bool:
    try:
        return bool(_get_json(f"{pair.consul_addr}/v1/status/leader"))
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _nomad_ready(pair: AgentPair) -> bool:
    try:
        if not _get_json(f"{pair.nomad_addr}/v1/status/leader"):
            return False
        nodes = _get_json(f"{pair.nomad_addr}/v1/nodes")
    except (OSError, urllib.error.URLError, ValueError):
        return False
    return isinstance(nodes, list) and any(
        isinstance(n, dict) and n.get("Status") == "ready" for n in nodes)


def _wait(pair: AgentPair, what: str, ready: Callable[[AgentPair], bool], deadline: float) -> None:
    while time.monotonic() < deadline:
        if ready(pair):
            return
        for pid, name in ((pair.consul_pid, "consul"), (pair.nomad_pid, "nomad")):
            if pid and not _pid_alive(pid):
                raise AgentError(f"{name} exited during start-up\n{pair.log_tail()}")
        time.sleep(0.25)
    raise AgentError(f"{what} not ready after {STARTUP_TIMEOUT:.0f} s\n{pair.log_tail()}")


def _nomad_config(pair: AgentPair, consul_binary: Path) -> str:
    p = pair.ports
    return f"""
bind_addr = "127.0.0.1"
data_dir  = "{pair.run_dir}/nomad-data"
log_level = "INFO"
disable_update_check = true
ports {{
  http = {p['nomad_http']}
  rpc  = {p['nomad_rpc']}
  serf = {p['nomad_serf']}
}}
advertise {{
  http = "127.0.0.1"
  rpc  = "127.0.0.1"
  serf = "127.0.0.1"
}}
consul {{
  address = "127.0.0.1:{p['consul_http']}"
}}
client {{
  network_interface = "lo"
  cpu_total_compute = 4000
  meta {{
    consul_binary = "{consul_binary}"
  }}
}}
plugin "raw_exec" {{
  config {{
    enabled = true
  }}
}}
"""


PORT_NAMES = ("consul_http", "consul_grpc", "consul_serf_lan", "consul_serf_wan", "consul_server",
              "nomad_http", "nomad_rpc", "nomad_serf")
STANDARD_PORTS = dict(zip(PORT_NAMES, (8500, 8502, 8301, 8302, 8300, 4646, 4647, 4648),
                          strict=True))


def _port_free(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def standard_ports_if_free() -> dict[str, int] | None:
    """Consul's and Nomad's usual ports, so default addresses work, when all are free."""
    if all(_port_free(port) for port in STANDARD_PORTS.values()):
        return dict(STANDARD_PORTS)
    return None


def start(run_dir: Path | None = None, *, timeout: float = STARTUP_TIMEOUT,
          ports: dict[str, int] | None = None) -> AgentPair:
    """Start Consul dev and Nomad dev on loopback (free ports unless `ports` is given) and
    wait until both are usable."""
    consul_binary, nomad_binary = binaries_or_error()
    run = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="ncplan-agents-"))
    run.mkdir(parents=True, exist_ok=True)
    if ports is None:
        ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    pair = AgentPair(run_dir=str(run), consul_http_port=ports["consul_http"],
                     nomad_http_port=ports["nomad_http"], ports=ports,
                     consul_binary=str(consul_binary), nomad_binary=str(nomad_binary))
    consul_cmd = [
        str(consul_binary), "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1",
        "-advertise", "127.0.0.1", "-node", "ncplan-dev",
        "-http-port", str(ports["consul_http"]), "-grpc-port", str(ports["consul_grpc"]),
        "-dns-port", "-1", "-serf-lan-port", str(ports["consul_serf_lan"]),
        "-serf-wan-port", str(ports["consul_serf_wan"]),
        "-server-port", str(ports["consul_server"]), "-disable-host-node-id",
        "-hcl", "disable_update_check = true", "-hcl", 'connect { enabled = true }',
        # -dev also opens the gRPC TLS port 8503; nothing here uses it, and a fixed port
        # would stop a second pair (or any other Consul) from starting.
        "-hcl", "ports { grpc_tls = -1 }",
    ]
    (run / "nomad.hcl").write_text(_nomad_config(pair, consul_binary))
    nomad_cmd = [str(nomad_binary), "agent", "-dev", "-config", str(run / "nomad.hcl")]
    deadline = time.monotonic() + timeout
    try:
        with pair.consul_log.open("ab") as log:
            pair.consul_pid = subprocess.Popen(consul_cmd, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, cwd=run,
                                               start_new_session=True).pid
        _wait(pair, "consul", _consul_ready, deadline)
        with pair.nomad_log.open("ab") as log:
            pair.nomad_pid = subprocess.Popen(nomad_cmd, stdout=log, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, cwd=run,
                                              start_new_session=True).pid
        _wait(pair, "nomad (leader and a ready node)", _nomad_ready, deadline)
    except BaseException:
        pair.stop()  # a failed or interrupted start leaves nothing running
        raise
    return pair


# --------------------------------------------------------------------------- command


def _load_running() -> AgentPair | None:
    try:
        data = json.loads(RUN_STATE.read_text())
        return AgentPair(**data)
    except (OSError, ValueError, TypeError):
        return None


def up() -> None:
    running = _load_running()
    if running and _pid_alive(running.consul_pid) and _pid_alive(running.nomad_pid):
        say(f"already up: CONSUL_HTTP_ADDR={running.consul_addr} NOMAD_ADDR={running.nomad_addr}")
        return
    if running:
        running.stop()
    started = time.monotonic()
    pair = start(CACHE_ROOT / "run" / "agents", ports=standard_ports_if_free())
    RUN_STATE.parent.mkdir(parents=True, exist_ok=True)
    RUN_STATE.write_text(json.dumps(asdict(pair), indent=2))
    say(f"up in {time.monotonic() - started:.1f} s; logs in {pair.run_dir}")
    print(f"export CONSUL_HTTP_ADDR={pair.consul_addr}")
    print(f"export NOMAD_ADDR={pair.nomad_addr}")
    print(f"export NCPLAN_TEST_CONSUL_ADDR={pair.consul_addr}")
    print(f"export NCPLAN_TEST_NOMAD_ADDR={pair.nomad_addr}")


def down() -> None:
    running = _load_running()
    if running is None:
        say("nothing to stop")
        return
    pids = f"pids {running.consul_pid} and {running.nomad_pid}"
    running.stop()
    RUN_STATE.unlink(missing_ok=True)
    say(f"stopped consul and nomad ({pids})")


def status() -> int:
    for release in RELEASES:
        version = agent_version(release.binary)
        say(f"{release.name}: {version or 'not built'} ({release.binary})")
    running = _load_running()
    if running is None:
        say("not running")
        return 1
    consul_ok, nomad_ok = _consul_ready(running), _nomad_ready(running)
    say(f"consul {running.consul_addr} pid {running.consul_pid}: {'up' if consul_ok else 'DOWN'}")
    say(f"nomad  {running.nomad_addr} pid {running.nomad_pid}: {'up' if nomad_ok else 'DOWN'}")
    return 0 if consul_ok and nomad_ok else 1


def main(argv: Sequence[str]) -> int:
    usage = "usage: scripts/agents build | up | down | status"
    if len(argv) != 1:
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "build":
            build()
            return 0
        if argv[0] == "up":
            up()
            return 0
        if argv[0] == "down":
            down()
            return 0
        if argv[0] == "status":
            return status()
    except AgentError as error:
        say(f"error: {error}")
        return 1
    print(usage, file=sys.stderr)
    return 2
