"""Start-up time of ``ncplan --help`` and ``ncplan validate`` for two source trees.

Runs are alternated (A, B, A, B...) so a load change on a shared machine hits both
trees alike; prints the median and the minimum wall time of each.

    python bench/startup.py BEFORE_TREE AFTER_TREE [--runs 11] [--services 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import Spec, generate


def once(tree: Path, args: list[str], cwd: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree), NO_COLOR="1")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ncplan", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", type=Path, nargs=2)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--services", type=int, default=100)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ncplan-startup-") as tmp:
        # a configuration per tree: two trees' parse caches may differ, and each run
        # prunes the entries it did not use
        configs = {tree: Path(tmp) / str(i) for i, tree in enumerate(opts.trees)}
        for tree, config in configs.items():
            generate(config, Spec(opts.services))
            once(tree, ["-C", str(config), "validate"], config)  # fill the parse cache
        for label, validate in (("--help", False), (f"validate {opts.services} (warm)", True)):
            times: dict[Path, list[float]] = {t: [] for t in opts.trees}
            for _ in range(opts.runs):
                for tree in opts.trees:
                    config = configs[tree]
                    args = ["-C", str(config), "validate"] if validate else ["--help"]
                    times[tree].append(once(tree, args, config))
            for tree in opts.trees:
                print(f"{label:<24} {tree!s:<24} median {statistics.median(times[tree]):.3f}"
                      f" s  min {min(times[tree]):.3f} s  ({opts.runs} runs)")


if __name__ == "__main__":
    main()
