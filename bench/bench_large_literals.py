"""Benchmark: peak memory and time of ``ncplan validate`` on one huge value.

A string literal, a heredoc and comments of 1, 10 and 50 MB (sizes in MB as
arguments). tree-sitter-hcl's scanner makes a token of every character of a literal
(about 170 bytes each); ncplan blanks long literal runs before the parse
(ncplan/config/hclblank.py), so the peak stays a small multiple of the file. Each run is
a fresh ``ncplan validate`` subprocess measured by a parent of its own, so the peak RSS
(``resource.getrusage(RUSAGE_CHILDREN)``) is that run's alone.

    python bench/bench_large_literals.py [MB...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = '''
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "ncplan", "-C", sys.argv[1], "validate"],
                      capture_output=True, text=True, env={"NCPLAN_NO_CACHE": "1",
                                                          "PATH": "/usr/bin:/bin"})
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - start, "exit": done.returncode,
                  "stderr": done.stderr[-300:]}))
'''

SHAPES = {
    "string": lambda size: 'locals {\n  x = "' + "a" * size + '"\n}\n',
    "heredoc": lambda size: "locals {\n  x = <<EOT\n" + ("b" * 99 + "\n") * (size // 100)
                            + "EOT\n}\n",
    "comments": lambda size: ("# " + "c" * 77 + "\n") * (size // 80),
}


def measure(directory: Path) -> dict[str, float]:
    """Peak RSS (MB) and wall time of ``ncplan -C directory validate``."""
    out = subprocess.run([sys.executable, "-c", MEASURE, str(directory)],
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as name:
        (Path(name) / "main.hcl").write_text("locals {\n  x = 1\n}\n")
        base = measure(Path(name))["rss_mb"]
    print(f"an empty configuration: {base:.0f} MB")
    print(f"{'shape':<10}{'file MB':>9}{'peak MB':>10}{'x file':>8}{'(peak-empty)/file':>19}"
          f"{'seconds':>9}")
    for megabytes in sizes:
        for shape, build in SHAPES.items():
            with tempfile.TemporaryDirectory() as name:
                directory = Path(name)
                path = directory / "main.hcl"
                path.write_text(build(megabytes * 1_000_000))
                size = path.stat().st_size / 1e6
                result = measure(directory)
                if result["exit"] != 0:
                    raise SystemExit(f"{shape} {megabytes} MB: {result['stderr']}")
                print(f"{shape:<10}{size:>9.1f}{result['rss_mb']:>10.0f}"
                      f"{result['rss_mb'] / size:>8.1f}"
                      f"{(result['rss_mb'] - base) / size:>19.1f}{result['seconds']:>9.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10, 50])
