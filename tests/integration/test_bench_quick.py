"""bench/run.py --quick against the real agents: the table has the rows it promises.

The full benchmark takes too long for CI; the quick mode (N=10: validate and a first plan,
with the API floor) runs the same code paths end to end.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentlib import Agents

ROOT = Path(__file__).resolve().parents[2]


def _rows(stdout: str) -> dict[tuple[str, str, str], list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 13 and cells[0] not in ("stage", "---"):
            rows[(cells[0], cells[1], cells[2])] = cells
    return rows


def test_quick_benchmark_prints_ncplan_and_floor_rows(agents: Agents, unique: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--prefix", f"b{unique}",
         "--nomad-addr", agents.nomad_addr, "--consul-addr", agents.consul_addr],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = _rows(result.stdout)
    assert set(rows) >= {("validate", "ncplan", "cold"), ("validate", "ncplan", "warm"),
                         ("plan (create)", "floor", "-"), ("plan (create)", "ncplan", "cold"),
                         ("plan (create)", "ncplan", "warm")}
    for cache in ("cold", "warm"):
        validate = rows[("validate", "ncplan", cache)]
        assert float(validate[3]) > 0 and float(validate[5]) > 0
        assert validate[6:8] == ["0", "0"]  # validate never talks to the agents
    floor = rows[("plan (create)", "floor", "-")]
    assert floor[6:8] == ["20", "9"]  # a GET and a plan per job, a GET per entry
    plan = rows[("plan (create)", "ncplan", "cold")]
    assert float(plan[3]) > 0 and float(plan[8]) > 0  # its time and the ratio to floor
    assert int(plan[6]) >= 10
    assert "### Exponent of wall time vs N" in result.stdout
    assert "| peak RSS at N=5,000 under 200 MB | not measured |" in result.stdout
    assert agents.nomad("GET", f"/v1/jobs?prefix=b{unique}").json() == []
    entries = agents.consul("GET", "/v1/config/service-intentions").json() or []
    assert [e["Name"] for e in entries if e["Name"].startswith(f"b{unique}")] == []
