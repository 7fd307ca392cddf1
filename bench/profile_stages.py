"""Where one ncplan command's time goes: py-spy samples every thread (idle ones too), and
the samples are sorted into stages: the main thread's wall time by stage, the worker
threads' time by what they wait for or do, and the main thread's deepest ncplan function.

    python bench/profile_stages.py DIR -- apply --auto-approve --no-wait
    python bench/profile_stages.py --raw out.raw     # sort samples py-spy recorded before

DIR is a configuration (e.g. one bench/generate.py wrote); NOMAD_ADDR and CONSUL_HTTP_ADDR
name the agents. py-spy is in the ``bench`` extra. A thread waiting for the GIL counts as
running in py-spy's samples, so "HTTP client" includes the waits of ten threads for two
cores.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

RATE = 200  # samples per second

#: The main thread's stages: the first whose pattern matches a frame of the sample.
MAIN_STAGES = (
    ("start-up: imports", r"_find_and_load"),
    ("load and lower the configuration",
     r"orchestration/loading\.py|orchestration/resolution\.py|config/loader\.py"),
    ("refresh: list and read the live objects", r"orchestration/refresh\.py"),
    ("apply: the ordered writes (engine)", r"planner/engine\.py"),
    ("render the plan and the apply's lines", r"ncplan/views/"),
    ("state: read, lock, write", r"ncplan/state/"),
    ("plan: diff, drift and graph", r"ncplan/planner/|orchestration/plan_run\.py"),
    ("other", r""),
)


@dataclass(frozen=True)
class Sample:
    """One stack as py-spy's raw format gives it: the thread, the frames, the count."""

    thread: str
    frames: tuple[str, ...]
    count: int

    @property
    def main(self) -> bool:
        return "MainThread" in self.thread

    @property
    def leaf(self) -> str:
        return self.frames[-1] if self.frames else ""

    @property
    def text(self) -> str:
        return ";".join(self.frames)


def samples(raw: Path) -> Iterator[Sample]:
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        thread, _, rest = stack.partition(";")
        if stack and count.isdigit():
            yield Sample(thread, tuple(rest.split(";")), int(count))


def main_stage(sample: Sample) -> str:
    return next(label for label, pattern in MAIN_STAGES
                if any(re.search(pattern, frame) for frame in sample.frames))


WorkerTest = Callable[[Sample], bool]

#: What a worker thread does: the first test that holds.
WORKER_KINDS: tuple[tuple[str, WorkerTest], ...] = (
    ("waiting for the agent's answer",
     lambda s: "SocketIO.readinto" in s.leaf or "do_poll" in s.leaf),
    ("idle: no work", lambda s: bool(re.search(r"threading\.py|futures/thread\.py", s.leaf))
     and not re.search(r"requests/|urllib3/", s.text)),
    ("waiting for an entry's lock (its writes one at a time)",
     lambda s: bool(re.search(r"IntentionWriter\.(write|delete) \(ncplan/kinds/", s.leaf))),
    ("HTTP client (requests, urllib3, http.client)",
     lambda s: bool(re.search(r"requests/|urllib3/|http/client\.py|socket\.py", s.leaf))),
    ("state record and journal", lambda s: "ncplan/state/" in s.text),
    ("printing the apply's lines", lambda s: "rich/" in s.text or "ncplan/views/" in s.text),
    ("JSON", lambda s: "json/" in s.leaf),
    ("ncplan's own code", lambda s: "ncplan/" in s.leaf),
    ("other", lambda s: True),
)


def worker_kind(sample: Sample) -> str:
    return next(label for label, test in WORKER_KINDS if test(sample))


def worker_phase(sample: Sample) -> str:
    """The engine's writes, or the reads of the plan before them (a refresh's tasks run
    without refresh.py on their stack: a worker not in the engine is in the plan)."""
    return "apply's writes (engine workers)" if "engine.py" in sample.text \
        else "the plan's reads, and pool threads between tasks"


def deepest_ncplan(sample: Sample) -> str | None:
    own = [frame for frame in sample.frames if "ncplan/" in frame]
    return re.sub(r":\d+\)", ")", own[-1]) if own else None


def _table(title: str, counts: collections.Counter[str], unit: str) -> list[str]:
    total = sum(counts.values())
    lines = [f"{title}: {total / RATE:.2f} {unit}"]
    lines += [f"  {label:58s} {count / RATE:7.2f}  {100 * count / total:5.1f}%"
              for label, count in counts.most_common()]
    return lines


def report(raw: Path, functions: int = 12) -> str:
    main: collections.Counter[str] = collections.Counter()
    deepest: collections.Counter[str] = collections.Counter()
    workers: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for sample in samples(raw):
        if sample.main:
            main[main_stage(sample)] += sample.count
            function = deepest_ncplan(sample)
            if function is not None:
                deepest[function] += sample.count
        else:
            workers[worker_phase(sample)][worker_kind(sample)] += sample.count
    lines = _table("main thread, wall time by stage", main, "s")
    for phase, counts in sorted(workers.items()):
        lines += _table(f"worker threads, {phase}", counts, "thread-s")
    lines.append("main thread, deepest ncplan function:")
    lines += [f"  {function:70s} {count / RATE:6.2f} s"
              for function, count in deepest.most_common(functions)]
    return "\n".join(lines)


def record(directory: Path, args: Sequence[str], raw: Path) -> None:
    command = [sys.executable, "-m", "ncplan", "-C", str(directory), "--no-color", *args]
    subprocess.run(["py-spy", "record", "--idle", "--threads", "-r", str(RATE),
                    "--format", "raw", "-o", str(raw), "--", *command],
                   check=False, stdout=subprocess.DEVNULL)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, nargs="?")
    parser.add_argument("ncplan_args", nargs="*")
    parser.add_argument("--raw", type=Path, help="sort these samples, record none")
    parser.add_argument("--functions", type=int, default=12)
    opts = parser.parse_args(argv)
    if opts.raw is not None:
        print(report(opts.raw, opts.functions))
        return
    if opts.directory is None:
        parser.error("a configuration directory, or --raw")
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "samples.raw"
        record(opts.directory, opts.ncplan_args, raw)
        print(report(raw, opts.functions))


if __name__ == "__main__":
    main()
