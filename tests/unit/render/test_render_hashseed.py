"""Property: what ncplan prints does not depend on the interpreter's hash seed.

Rendering twice in one process cannot see an order taken from a set or from ``hash()``: both
renders share the seed. Here two processes with different ``PYTHONHASHSEED`` values render the
same generated configurations through the CLI entry point, and their bytes must be equal.
One process per seed renders every configuration (``ncplan.cli.run``, what the console script's
``main`` calls), so the test stays fast: a process costs about a second on this machine.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ("0", "4242")
COMMANDS = (("render", "--format", "json"), ("render", "--format", "hcl"),
            ("graph", "--format", "text"), ("graph", "--format", "dot"))

DRIVER = """
import contextlib, io, json, sys
from ncplan.cli import run
print(json.dumps({"hash_probe": hash("ncplan-hash-probe")}))
for directory in sys.argv[2:]:
    for command in json.loads(sys.argv[1]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = run(["-C", directory, *command])
        print(json.dumps({"dir": directory, "command": command, "exit": code,
                          "stdout": out.getvalue()}))
"""


def _service(rng: random.Random, name: str, earlier: list[str]) -> str:
    sidecar = rng.choice(["builtin", "envoy"])
    port = rng.choice([None, "tcp", "http"])
    lines = [f'service "{name}" {{', f'  sidecar  = "{sidecar}"',
             f'  protocol = "{rng.choice(["tcp", "http", "grpc"])}"',
             f"  count    = {rng.randint(1, 3)}",
             f"  register = {rng.choice(['true', 'false'])}"]
    if port:
        lines.append(f'  port     = "{port}"')
    meta = {f"k{rng.randint(0, 99)}": rng.choice(["a", "b", "c"]) for _ in range(rng.randint(0, 4))}
    if meta:
        lines.append("  meta = { " + "  ".join(f'{k} = "{v}"' for k, v in meta.items()) + " }")
    env = {f"E_{rng.randint(0, 99)}": f"v{rng.randint(0, 9)}" for _ in range(rng.randint(0, 4))}
    lines += ["  task {", '    driver = "raw_exec"',
              f'    config = {{ command = "/bin/{name}", args = ["-x", "{rng.randint(0, 9)}"] }}']
    if env:
        lines.append("    env = { " + "  ".join(f'{k} = "{v}"' for k, v in env.items()) + " }")
    lines.append("  }")
    for i, upstream in enumerate(rng.sample(earlier, rng.randint(0, len(earlier)))):
        lines.append(f'  upstream "{upstream}" {{ local_bind_port = {9000 + i} }}')
    lines.append("}")
    return "\n".join(lines)


def generate(rng: random.Random) -> str:
    """A valid configuration: 3 to 7 services with upstreams toward earlier ones (no cycle),
    declared in a shuffled order, and intentions (some from ``*``)."""
    names = rng.sample(["db", "web", "api", "cache", "auth", "queue", "search", "mail"],
                       rng.randint(3, 7))
    blocks = [_service(rng, name, names[:i]) for i, name in enumerate(names)]
    rng.shuffle(blocks)
    pairs = {(rng.choice([*names, "*"]), rng.choice(names)) for _ in range(rng.randint(1, 8))}
    for source, destination in sorted(pairs):
        if source != destination:
            blocks.append(f'intention "{source}" "{destination}" {{\n'
                          f'  action = "{rng.choice(["allow", "deny"])}"\n}}')
    header = ('defaults {\n  datacenters   = ["dc1", "dc2"]\n'
              '  consul_binary = "/usr/local/bin/consul"\n}')
    return "\n\n".join([header, *blocks]) + "\n"


def _render_all(directories: list[Path], seed: str) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(COMMANDS),
                           *map(str, directories)],
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_output_is_the_same_under_two_hash_seeds(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    directories = []
    for i in range(6):
        directory = tmp_path / f"config{i}"
        directory.mkdir()
        (directory / "main.hcl").write_text(generate(rng))
        directories.append(directory)

    first, second = (_render_all(directories, seed) for seed in SEEDS)
    probe_first, probe_second = first.pop(0), second.pop(0)
    assert probe_first != probe_second, "the two processes share a hash seed"
    assert len(first) == len(directories) * len(COMMANDS)
    for a, b in zip(first, second, strict=True):
        assert a["exit"] == 0, f"{a['dir']} {a['command']} failed: {a['stdout']}"
        assert a == b, f"{a['dir']} {a['command']} differs between hash seeds"
