"""Measure child processes: wall time, CPU time (user + sys), peak RSS, HTTP requests.

Each measured command runs as its own child and is reaped with ``os.wait4``, whose
resource usage is that child's alone (``RUSAGE_CHILDREN`` would mix all children and
keep the largest peak ever seen). Requests are counted from the ``NCPLAN_HTTP_STATS``
file that ncplan's HTTP client appends to (ncplan/transport/http.py), or from the JSON a
baseline child prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds
    cpu: float  # seconds, user + sys of the child(ren)
    peak_mib: float  # largest resident set of one child
    requests: Mapping[str, int] | None = None  # API name -> count; None: not counted
    exit_code: int = 0
    processes: int = 1


@dataclass(frozen=True)
class ChildResult:
    measurement: Measurement
    stdout: str
    stderr: str


def run_child(argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: Path | None = None, count_requests: bool = False,
              stdin: str | None = None) -> ChildResult:
    """Run one command to completion and measure it; requests counted from
    NCPLAN_HTTP_STATS when ``count_requests``."""
    full_env = dict(env if env is not None else os.environ)
    with tempfile.TemporaryDirectory(prefix="ncplan-bench-run-") as tmp:
        stats = Path(tmp) / "http.log"
        if count_requests:
            full_env["NCPLAN_HTTP_STATS"] = str(stats)
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        with out_path.open("w") as out, err_path.open("w") as err:
            started = time.perf_counter()
            child = subprocess.Popen(list(argv), env=full_env, cwd=cwd, stdout=out, stderr=err,
                                     stdin=subprocess.PIPE if stdin is not None else
                                     subprocess.DEVNULL, text=True)
            if stdin is not None and child.stdin is not None:
                child.stdin.write(stdin)
                child.stdin.close()
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        requests = count_stats(stats) if count_requests else None
        measurement = Measurement(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                                  requests, child.returncode)
        return ChildResult(measurement, out_path.read_text(errors="replace"),
                           err_path.read_text(errors="replace"))


def count_stats(path: Path) -> dict[str, int]:
    """Requests per API from an NCPLAN_HTTP_STATS file (first word of each line)."""
    counts: dict[str, int] = {}
    if not path.exists():
        return counts
    for line in path.read_text().splitlines():
        api = line.split(" ", 1)[0]
        if api:
            counts[api] = counts.get(api, 0) + 1
    return counts


def run_sequence(commands: Sequence[Sequence[str]], *, env: Mapping[str, str]) -> Measurement:
    """Commands one after another, as a shell loop runs them: total wall and CPU time, the
    largest child's peak RSS; stops at the first failure (its exit code is kept)."""
    started = time.perf_counter()
    cpu, peak, done = 0.0, 0.0, 0
    for argv in commands:
        result = run_child(argv, env=env)
        cpu += result.measurement.cpu
        peak = max(peak, result.measurement.peak_mib)
        done += 1
        if result.measurement.exit_code != 0:
            raise BenchError(f"{' '.join(argv)} exited {result.measurement.exit_code}: "
                             f"{(result.stderr or result.stdout).strip()[:400]}")
    return Measurement(time.perf_counter() - started, cpu, peak, None, 0, done)


def json_requests(stdout: str) -> dict[str, int]:
    """The request counts a baseline child prints as its last line of JSON."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    data = json.loads(lines[-1]) if lines else {}
    return {str(k): int(v) for k, v in data.items()}


class BenchError(RuntimeError):
    """A measured command failed; the message says which and what it printed."""
