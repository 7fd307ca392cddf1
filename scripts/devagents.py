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
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
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
    """A running Consul dev agent and a Nomad dev agent pointed at it.

    ``secure``: both serve HTTPS only (``consul_http_port`` is then Consul's HTTPS port)
    and enforce ACLs; the CA, the certificates, the keys and the two management tokens are
    files (0600 for secrets) in the run dir, named by the properties below.
    """

    run_dir: str
    consul_http_port: int
    nomad_http_port: int
    consul_pid: int = 0
    nomad_pid: int = 0
    consul_binary: str = ""
    nomad_binary: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    secure: bool = False

    @property
    def scheme(self) -> str:
        return "https" if self.secure else "http"

    @property
    def consul_addr(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.consul_http_port}"

    @property
    def nomad_addr(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.nomad_http_port}"

    @property
    def tls_dir(self) -> Path:
        return Path(self.run_dir) / "tls"

    @property
    def ca_file(self) -> Path:
        return self.tls_dir / "consul-agent-ca.pem"

    @property
    def consul_token_file(self) -> Path:
        """Consul's management token (the ACL system's initial management token)."""
        return Path(self.run_dir) / "consul-management.token"

    @property
    def nomad_token_file(self) -> Path:
        """Nomad's management token (from ``/v1/acl/bootstrap``)."""
        return Path(self.run_dir) / "nomad-management.token"

    @property
    def nomad_consul_token_file(self) -> Path:
        """The Consul token Nomad's agent uses (policy ``nomad-agent``)."""
        return Path(self.run_dir) / "nomad-consul.token"

    def token(self, which: str) -> str | None:
        """The ``consul`` or ``nomad`` management token of a secure pair, else None."""
        if not self.secure:
            return None
        path = self.consul_token_file if which == "consul" else self.nomad_token_file
        return path.read_text().strip() if path.exists() else None

    def exports(self) -> list[str]:
        """The shell exports that point the CLIs (and ncplan) at this pair."""
        lines = [f"export CONSUL_HTTP_ADDR={self.consul_addr}",
                 f"export NOMAD_ADDR={self.nomad_addr}"]
        if not self.secure:  # the tests' `agents` fixture would use these, tokenless
            return [*lines, f"export NCPLAN_TEST_CONSUL_ADDR={self.consul_addr}",
                    f"export NCPLAN_TEST_NOMAD_ADDR={self.nomad_addr}"]
        # the tokens are read from their 0600 files when the exports are evaluated, so
        # they never appear on the terminal
        return [*lines, f"export CONSUL_CACERT={self.ca_file}",
                f"export CONSUL_HTTP_TOKEN=$(cat {self.consul_token_file})",
                f"export NOMAD_CACERT={self.ca_file}",
                f"export NOMAD_TOKEN=$(cat {self.nomad_token_file})"]

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


def _request(pair: AgentPair, which: str, method: str, path: str, body: object = None,
             token: str | None = None) -> object:
    """``method path`` on the pair's ``consul`` or ``nomad``, JSON in and out: over HTTPS
    (verified against the pair's CA) with its management token when the pair is secure."""
    base = pair.consul_addr if which == "consul" else pair.nomad_addr
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    token = token or pair.token(which)
    if token:
        request.add_header("X-Consul-Token" if which == "consul" else "X-Nomad-Token", token)
    context = ssl.create_default_context(cafile=str(pair.ca_file)) if pair.secure else None
    with urllib.request.urlopen(request, timeout=2, context=context) as response:
        return json.loads(response.read() or b"null")


def _get_json(pair: AgentPair, which: str, path: str) -> object:
    return _request(pair, which, "GET", path)


def _consul_ready(pair: AgentPair) -> bool:
    try:
        return bool(_get_json(pair, "consul", "/v1/status/leader"))
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _nomad_ready(pair: AgentPair) -> bool:
    try:
        if not _get_json(pair, "nomad", "/v1/status/leader"):
            return False
        nodes = _get_json(pair, "nomad", "/v1/nodes")
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


# --------------------------------------------------------------------------- secure pair

# What Nomad's agent needs from Consul under default-deny ACLs (Nomad 1.6, Consul
# integration): read its agent and nodes, register the services of jobs (and its own
# "nomad" / "nomad-client" services), read KV for templates.
NOMAD_CONSUL_POLICY = """
agent_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }
service_prefix "" { policy = "write" }
key_prefix "" { policy = "read" }
"""


def _secret_file(path: Path, text: str) -> None:
    """Write a token or a config holding one: created 0600, never readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)


def make_tls(pair: AgentPair) -> None:
    """A CA and one certificate per agent, made by ``consul tls`` in ``pair.tls_dir``.

    Consul's server certificate names ``server.dc1.consul``, ``localhost`` and 127.0.0.1;
    Nomad's adds ``server.global.nomad`` and ``client.global.nomad`` (its RPC checks
    them). Keys are 0600."""
    tls = pair.tls_dir
    tls.mkdir(parents=True, exist_ok=True)
    commands = (
        ["tls", "ca", "create", "-days", "30"],
        ["tls", "cert", "create", "-server", "-dc", "dc1", "-days", "30"],
        ["tls", "cert", "create", "-server", "-dc", "dc1", "-days", "30",
         "-additional-dnsname", "server.global.nomad",
         "-additional-dnsname", "client.global.nomad"],
    )
    for args in commands:
        out = subprocess.run([pair.consul_binary, *args], cwd=tls, capture_output=True,
                             text=True, env=agent_env(), check=False)
        if out.returncode != 0:
            raise AgentError(f"consul {' '.join(args)} failed: {out.stderr.strip()}")
    for key in tls.glob("*-key.pem"):
        key.chmod(0o600)


def _consul_secure_config(pair: AgentPair) -> str:
    """HTTPS only (HTTP off), ACLs on with default deny, the CA and Consul's certificate."""
    tls = pair.tls_dir
    token = pair.consul_token_file.read_text().strip()
    return f"""
ports {{
  http  = -1
  https = {pair.ports['consul_http']}
}}
acl {{
  enabled        = true
  default_policy = "deny"
  down_policy    = "extend-cache"
  tokens {{
    initial_management = "{token}"
    agent              = "{token}"
  }}
}}
tls {{
  defaults {{
    ca_file         = "{pair.ca_file}"
    cert_file       = "{tls / 'dc1-server-consul-0.pem'}"
    key_file        = "{tls / 'dc1-server-consul-0-key.pem'}"
    verify_incoming = false
    verify_outgoing = true
  }}
  internal_rpc {{
    verify_server_hostname = true
  }}
}}
"""


def _nomad_secure_config(pair: AgentPair) -> str:
    """ACLs on, HTTPS and RPC over TLS, and Consul reached over HTTPS with its own token;
    merged over :func:`_nomad_config` (Nomad merges its -config files block by block)."""
    tls = pair.tls_dir
    token = pair.nomad_consul_token_file.read_text().strip()
    return f"""
acl {{
  enabled = true
}}
tls {{
  http                   = true
  rpc                    = true
  ca_file                = "{pair.ca_file}"
  cert_file              = "{tls / 'dc1-server-consul-1.pem'}"
  key_file               = "{tls / 'dc1-server-consul-1-key.pem'}"
  verify_server_hostname = true
  verify_https_client    = false
}}
consul {{
  ssl        = true
  verify_ssl = true
  ca_file    = "{pair.ca_file}"
  token      = "{token}"
}}
"""


def _retry(what: str, pair: AgentPair, action: Callable[[], object], deadline: float) -> object:
    """``action()`` until it stops raising (an ACL system still electing its leader
    answers errors for a moment) or the deadline passes."""
    while True:
        try:
            return action()
        except (OSError, urllib.error.URLError, ValueError) as error:
            if time.monotonic() > deadline:
                raise AgentError(f"{what} failed: {error}\n{pair.log_tail()}") from error
        time.sleep(0.25)


def _nomad_consul_token(pair: AgentPair, deadline: float) -> None:
    """Create Consul's ``nomad-agent`` policy and a token for Nomad's agent (0600 file)."""
    secret = str(uuid.uuid4())
    policy = {"Name": "nomad-agent", "Rules": NOMAD_CONSUL_POLICY,
              "Description": "Nomad agent (scripts/devagents.py)"}
    _retry("Consul ACL policy nomad-agent", pair,
           lambda: _request(pair, "consul", "PUT", "/v1/acl/policy", policy), deadline)
    token = {"SecretID": secret, "Description": "Nomad agent",
             "Policies": [{"Name": "nomad-agent"}]}
    _retry("Consul ACL token for Nomad", pair,
           lambda: _request(pair, "consul", "PUT", "/v1/acl/token", token), deadline)
    _secret_file(pair.nomad_consul_token_file, secret + "\n")


def _nomad_bootstrap(pair: AgentPair, deadline: float) -> None:
    """``POST /v1/acl/bootstrap`` (what ``nomad acl bootstrap`` does): the management
    token goes to a 0600 file."""
    answer = _retry("Nomad ACL bootstrap", pair,
                    lambda: _request(pair, "nomad", "POST", "/v1/acl/bootstrap"), deadline)
    secret = answer.get("SecretID") if isinstance(answer, dict) else None
    if not isinstance(secret, str):
        raise AgentError(f"Nomad's ACL bootstrap answered no SecretID: {answer!r}")
    _secret_file(pair.nomad_token_file, secret + "\n")


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


def standard_ports_if_free(secure: bool = False) -> dict[str, int] | None:
    """Consul's and Nomad's usual ports, so default addresses work, when all are free
    (a secure pair's Consul serves HTTPS on 8501, its usual HTTPS port)."""
    wanted = {**STANDARD_PORTS, "consul_http": 8501} if secure else STANDARD_PORTS
    if all(_port_free(port) for port in wanted.values()):
        return dict(wanted)
    return None


def _consul_command(pair: AgentPair) -> list[str]:
    ports, run = pair.ports, Path(pair.run_dir)
    cmd = [
        pair.consul_binary, "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1",
        "-advertise", "127.0.0.1", "-node", "ncplan-dev", "-grpc-port", str(ports["consul_grpc"]),
        "-dns-port", "-1", "-serf-lan-port", str(ports["consul_serf_lan"]),
        "-serf-wan-port", str(ports["consul_serf_wan"]),
        "-server-port", str(ports["consul_server"]), "-disable-host-node-id",
        "-hcl", "disable_update_check = true", "-hcl", 'connect { enabled = true }',
        # -dev also opens the gRPC TLS port 8503; nothing here uses it, and a fixed port
        # would stop a second pair (or any other Consul) from starting.
        "-hcl", "ports { grpc_tls = -1 }",
    ]
    if not pair.secure:
        return [*cmd, "-http-port", str(ports["consul_http"])]
    _secret_file(run / "consul-secure.hcl", _consul_secure_config(pair))
    return [*cmd, "-config-file", str(run / "consul-secure.hcl")]


def _nomad_command(pair: AgentPair, deadline: float) -> list[str]:
    run = Path(pair.run_dir)
    (run / "nomad.hcl").write_text(_nomad_config(pair, Path(pair.consul_binary)))
    cmd = [pair.nomad_binary, "agent", "-dev", "-config", str(run / "nomad.hcl")]
    if not pair.secure:
        return cmd
    _nomad_consul_token(pair, deadline)
    _secret_file(run / "nomad-secure.hcl", _nomad_secure_config(pair))
    return [*cmd, "-config", str(run / "nomad-secure.hcl")]


def _nomad_leader(pair: AgentPair) -> bool:
    try:
        return bool(_get_json(pair, "nomad", "/v1/status/leader"))
    except (OSError, urllib.error.URLError, ValueError):
        return False


def agent_env() -> dict[str, str]:
    """The agents' environment: the caller's without NOMAD_* and CONSUL_*. The agents are
    set up by their config files only; a shell's NOMAD_ADDR or CONSUL_HTTP_TOKEN (meant
    for another cluster) must not reach them, nor the sidecars Nomad starts."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("NOMAD_", "CONSUL_"))}


def _spawn(pair: AgentPair, cmd: list[str], log_path: Path) -> int:
    with log_path.open("ab") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=pair.run_dir, env=agent_env(),
                                start_new_session=True).pid


def start(run_dir: Path | None = None, *, timeout: float = STARTUP_TIMEOUT,
          ports: dict[str, int] | None = None, secure: bool = False) -> AgentPair:
    """Start Consul dev and Nomad dev on loopback (free ports unless `ports` is given) and
    wait until both are usable. ``secure``: HTTPS and ACLs on both (see AgentPair)."""
    consul_binary, nomad_binary = binaries_or_error()
    run = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="ncplan-agents-"))
    run.mkdir(parents=True, exist_ok=True)
    if ports is None:
        ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    pair = AgentPair(run_dir=str(run), consul_http_port=ports["consul_http"],
                     nomad_http_port=ports["nomad_http"], ports=ports,
                     consul_binary=str(consul_binary), nomad_binary=str(nomad_binary),
                     secure=secure)
    deadline = time.monotonic() + timeout
    try:
        if secure:
            run.chmod(0o700)
            make_tls(pair)
            _secret_file(pair.consul_token_file, str(uuid.uuid4()) + "\n")
        pair.consul_pid = _spawn(pair, _consul_command(pair), pair.consul_log)
        _wait(pair, "consul", _consul_ready, deadline)
        pair.nomad_pid = _spawn(pair, _nomad_command(pair, deadline), pair.nomad_log)
        if secure:
            _wait(pair, "nomad (leader)", _nomad_leader, deadline)
            _nomad_bootstrap(pair, deadline)
        _wait(pair, "nomad (leader and a ready node)", _nomad_ready, deadline)
    except BaseException:
        pair.stop()  # a failed or interrupted start leaves nothing running
        raise
    return pair


# --------------------------------------------------------------------------- command


def run_state(name: str = "") -> Path:
    """Where `up` records the pair it started: the default pair, or a named one (`--name
    east`: one more pair on free ports, for a configuration with several clusters)."""
    return RUN_STATE if not name else RUN_STATE.with_name(f"agents-{name}.json")


def _load_running(name: str = "") -> AgentPair | None:
    try:
        data = json.loads(run_state(name).read_text())
        return AgentPair(**data)
    except (OSError, ValueError, TypeError):
        return None


def up(secure: bool = False, name: str = "") -> None:
    running = _load_running(name)
    if running and _pid_alive(running.consul_pid) and _pid_alive(running.nomad_pid):
        if running.secure != secure:
            raise AgentError(f"a {'secure' if running.secure else 'plain'} pair is already up: "
                             "run `scripts/agents down` first")
        say(f"already up; logs in {running.run_dir}")
        print("\n".join(running.exports()))
        return
    if running:
        running.stop()
    started = time.monotonic()
    record = run_state(name)
    pair = start(record.with_suffix(""),
                 ports=None if name else standard_ports_if_free(secure), secure=secure)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(asdict(pair), indent=2))
    mode = "secure (HTTPS, ACLs; tokens in 0600 files) " if secure else ""
    say(f"{mode}up in {time.monotonic() - started:.1f} s; logs in {pair.run_dir}")
    print("\n".join(pair.exports()))


def down(name: str = "") -> None:
    running = _load_running(name)
    if running is None:
        say("nothing to stop")
        return
    pids = f"pids {running.consul_pid} and {running.nomad_pid}"
    running.stop()
    run_state(name).unlink(missing_ok=True)
    say(f"stopped consul and nomad ({pids})")


def status(name: str = "") -> int:
    for release in RELEASES:
        version = agent_version(release.binary)
        say(f"{release.name}: {version or 'not built'} ({release.binary})")
    running = _load_running(name)
    if running is None:
        say("not running")
        return 1
    consul_ok, nomad_ok = _consul_ready(running), _nomad_ready(running)
    if running.secure:
        say(f"secure: CA {running.ca_file}, tokens in {running.run_dir}")
    say(f"consul {running.consul_addr} pid {running.consul_pid}: {'up' if consul_ok else 'DOWN'}")
    say(f"nomad  {running.nomad_addr} pid {running.nomad_pid}: {'up' if nomad_ok else 'DOWN'}")
    return 0 if consul_ok and nomad_ok else 1


def main(argv: Sequence[str]) -> int:
    usage = ("usage: scripts/agents build | up [--secure] [--name NAME] | "
             "down [--name NAME] | status [--name NAME]")
    args = list(argv)
    secure = "--secure" in args
    if secure:
        args.remove("--secure")
    name = ""
    if "--name" in args:
        at = args.index("--name")
        name = args[at + 1] if at + 1 < len(args) else ""
        if not name.isidentifier():
            print(usage, file=sys.stderr)
            return 2
        del args[at:at + 2]
    if len(args) != 1 or (secure and args[0] != "up"):
        print(usage, file=sys.stderr)
        return 2
    try:
        if args[0] == "build":
            build()
            return 0
        if args[0] == "up":
            up(secure, name)
            return 0
        if args[0] == "down":
            down(name)
            return 0
        if args[0] == "status":
            return status(name)
    except AgentError as error:
        say(f"error: {error}")
        return 1
    print(usage, file=sys.stderr)
    return 2
