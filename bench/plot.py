"""Plot a benchmark run: wall time against N (log-log) for ncplan and each baseline.

    python bench/plot.py RESULTS.json OUT.png

RESULTS.json is what ``bench/run.py --json-out`` wrote. Needs matplotlib
(``pip install -e .[bench]``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PANELS = (("validate", ("validate",)),
          ("plan", ("plan (create)", "plan (no changes)", "plan (one changed)")),
          ("apply", ("apply",)), ("destroy", ("destroy",)))
STYLE = {"ncplan": "-", "floor (ordered)": (0, (1, 4)), "floor": ":", "by hand": "--",
         "terraform": "-."}


def series(rows: Sequence[Mapping[str, Any]],
           stages: Sequence[str]) -> dict[str, list[tuple[int, float]]]:
    """label -> [(N, wall seconds)] for the measured rows of these stages (the layered
    run, at one size, has no line)."""
    found: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        if row["stage"] in stages and row["measurement"] is not None \
                and row.get("shape", "chain") != "layered":
            label = " ".join(p for p in (row["tool"], row["stage"] if len(stages) > 1 else "",
                                         row["cache"]) if p)
            found.setdefault(label, []).append((row["size"], row["measurement"]["wall"]))
    return {label: sorted(points) for label, points in sorted(found.items())}


def plot(results: Mapping[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for ax, (title, stages) in zip(axes.flat, PANELS, strict=True):
        lines = series(rows, stages)
        for label, points in lines.items():
            style = next((s for tool, s in STYLE.items() if label.startswith(tool)), "-")
            ax.plot([n for n, _ in points], [t for _, t in points], marker="o",
                    linestyle=style, label=label)
        missing = sorted({r["stage"] for r in rows if r["stage"] in stages
                          and r["tool"] == "ncplan" and r["measurement"] is None},
                         key=stages.index)
        if missing:
            ax.text(0.02, 0.98, "ncplan not built yet:\n" + "\n".join(missing),
                    transform=ax.transAxes, va="top", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("services (N)")
        ax.set_ylabel("wall time (s)")
        ax.grid(True, which="both", alpha=0.3)
        if lines:
            ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("ncplan benchmark: time against N (chain of N services)")
    fig.tight_layout()
    fig.savefig(out, dpi=90)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    plot(json.loads(Path(argv[0]).read_text()), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
