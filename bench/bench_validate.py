"""Benchmark: validate time and peak memory for 100, 1,000 and 5,000 generated services.

Each service has an upstream (the previous service; svc-0 an external one) and an
intention, 50 services per file (bench/generate.py). Every run is a fresh subprocess
(``ncplan.config.load_config``) so peak RSS is its own; the first run starts with an
empty parse cache, the second finds it warm. ``time`` is wall-clock time, ``cpu`` the
process's own CPU time (what a busy machine does not inflate).

    python bench/bench_validate.py [SIZES...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import Spec
from generate import generate as generate_services

CHILD = '''
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
cpu_start = time.process_time()
from ncplan.config import load_config
from ncplan.config.loader import LoadResult
result = load_config(Path(sys.argv[1]), env={})
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu_start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_mib": peak_kib / 1024,
                  "services": len(result.config.services)}))
'''


def generate(directory: Path, count: int) -> int:
    """Write ``count`` services into ``directory``; returns the total bytes written."""
    return generate_services(directory, Spec(count, count=1, external_root=True))


def run_once(directory: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(directory)], check=True,
                         capture_output=True, text=True).stdout
    data: dict[str, float] = json.loads(out)
    return data


def main(sizes: list[int]) -> None:
    print(f"{'services':>8} {'files':>5} {'size':>8}  {'run':<6} {'time':>8} {'cpu':>8} "
          f"{'peak RSS':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="ncplan-bench-") as tmp:
            directory = Path(tmp)
            size = generate(directory, count)
            files = len(list(directory.glob("*.hcl")))
            for label in ("cold", "warm"):
                result = run_once(directory)
                assert result["services"] == count
                print(f"{count:>8} {files:>5} {size / 1024:>6.0f}KB  {label:<6} "
                      f"{result['seconds']:>7.2f}s {result['cpu_seconds']:>7.2f}s "
                      f"{result['peak_mib']:>7.0f}MiB", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
