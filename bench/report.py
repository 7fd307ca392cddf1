"""Pure reporting for the benchmark: rows, the tables, the exponent fit, the targets.

Nothing here runs or prints: run.py measures and prints what these functions return.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from measure import Measurement

STAGES = ("validate", "plan (create)", "apply", "plan (no changes)", "plan (one changed)",
          "destroy")
BASELINES = ("floor", "by hand", "terraform")
NOT_BUILT = "not built yet"


@dataclass(frozen=True)
class Row:
    size: int
    stage: str
    tool: str  # "ncplan" or one of BASELINES
    cache: str = ""  # "cold" | "warm" for ncplan, "" for baselines
    measurement: Measurement | None = None
    note: str = ""  # why there is no measurement, or a remark (false changes...)


def fit_exponent(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of log(y) against log(x): y ~ c * x**k returns k."""
    usable = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in usable}) < 2:
        raise ValueError("an exponent needs two or more distinct positive sizes")
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    num = sum((x - mean_x) * (y - mean_y) for x, y in usable)
    den = sum((x - mean_x) ** 2 for x, _ in usable)
    return num / den


def _find(rows: Iterable[Row], size: int, stage: str, tool: str,
          cache: str = "") -> Measurement | None:
    for row in rows:
        if (row.size, row.stage, row.tool, row.cache) == (size, stage, tool, cache):
            return row.measurement
    return None


def _ratio(ours: Measurement | None, theirs: Measurement | None) -> str:
    if ours is None or theirs is None or theirs.wall <= 0:
        return ""
    return f"{ours.wall / theirs.wall:.2f}"


def _figures(m: Measurement | None, note: str) -> list[str]:
    if m is None:
        return [note or NOT_BUILT, "", "", "", ""]
    return [f"{m.wall:.2f}", f"{m.cpu:.2f}", f"{m.peak_mib:.0f}",
            str(m.requests.get("Nomad", 0)) if m.requests is not None else "-",
            str(m.requests.get("Consul", 0)) if m.requests is not None else "-"]


HEADER = ("stage", "tool", "cache", "wall s", "CPU s", "peak MiB", "Nomad req", "Consul req",
          "÷ floor", "÷ by hand", "÷ terraform", "note")


def table(rows: Sequence[Row], size: int) -> list[list[str]]:
    """The rows of one size, stage by stage: ncplan's figures with its time divided by
    each baseline's time on the same stage (below 1: ncplan is faster), then the
    baselines' own figures."""
    out: list[list[str]] = []
    for stage in STAGES:
        for row in (r for r in rows if r.size == size and r.stage == stage):
            ratios = ["", "", ""]
            if row.tool == "ncplan":
                ratios = [_ratio(row.measurement, _find(rows, size, stage, b))
                          for b in BASELINES]
            note = row.note if row.measurement is not None else ""
            out.append([stage, row.tool, row.cache or "-",
                        *_figures(row.measurement, row.note), *ratios, note])
    return out


def markdown(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell or " " for cell in line) + " |" for line in body]
    return "\n".join(lines)


@dataclass(frozen=True)
class Exponent:
    stage: str
    tool: str
    cache: str
    sizes: tuple[int, ...]
    value: float  # wall time, all sizes
    cpu: float  # CPU time, all sizes (less disturbed by a shared machine's load)
    tail: float  # wall time between the two largest sizes (the marginal cost)


def exponents(rows: Sequence[Row]) -> list[Exponent]:
    """The fitted exponent of wall time against N for every series with 2+ sizes."""
    series: dict[tuple[str, str, str], list[tuple[int, Measurement]]] = {}
    for row in rows:
        if row.measurement is not None:
            series.setdefault((row.stage, row.tool, row.cache), []).append(
                (row.size, row.measurement))
    found = []
    for (stage, tool, cache), points in series.items():
        if len({n for n, _ in points}) >= 2:
            points.sort(key=lambda p: p[0])
            found.append(Exponent(
                stage, tool, cache, tuple(n for n, _ in points),
                fit_exponent([(float(n), m.wall) for n, m in points]),
                fit_exponent([(float(n), m.cpu) for n, m in points]),
                fit_exponent([(float(n), m.wall) for n, m in points[-2:]])))
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(found, key=lambda e: (order.get(e.stage, 99), e.tool, e.cache))


@dataclass(frozen=True)
class Target:
    claim: str
    verdict: str  # "met", "NOT met", "not measured"
    detail: str


def _speed_target(rows: Sequence[Row], claim: str, size: int, stage: str, cache: str,
                  baseline: str, factor: float, faster: bool) -> Target:
    ours, theirs = _find(rows, size, stage, "ncplan", cache), _find(rows, size, stage, baseline)
    if ours is None or theirs is None:
        missing = "ncplan" if ours is None else baseline
        return Target(claim, "not measured", f"no {missing} figure for {stage} at N={size}")
    ratio = ours.wall / theirs.wall
    met = ratio * factor <= 1 if faster else ratio <= factor
    detail = (f"ncplan {ours.wall:.2f} s, {baseline} {theirs.wall:.2f} s: "
              + (f"{1 / ratio:.1f}x faster" if ratio < 1 else f"{ratio:.2f}x the time"))
    return Target(claim, "met" if met else "NOT met", detail)


def targets(rows: Sequence[Row], exps: Sequence[Exponent]) -> list[Target]:
    found = [
        _speed_target(rows, "no-change plan of 500, cold, within 2x of the API floor", 500,
                      "plan (no changes)", "cold", "floor", 2.0, faster=False),
        _speed_target(rows, "no-change plan of 500, cold, 4x faster than Terraform", 500,
                      "plan (no changes)", "cold", "terraform", 4.0, faster=True),
        _speed_target(rows, "apply of 500 10x faster than by hand", 500, "apply", "warm",
                      "by hand", 10.0, faster=True),
        _speed_target(rows, "apply of 500 3x faster than Terraform", 500, "apply", "warm",
                      "terraform", 3.0, faster=True),
    ]
    nochange = [r for r in rows if r.tool == "ncplan" and r.stage == "plan (no changes)"
                and r.measurement is not None]
    if nochange:
        bad = [r for r in nochange if r.measurement and r.measurement.exit_code != 0]
        found.append(Target("zero false changes in a no-change plan",
                            "NOT met" if bad else "met",
                            "; ".join(f"N={r.size}: {r.note}" for r in bad)
                            or f"{len(nochange)} no-change plans, all exit 0"))
    else:
        found.append(Target("zero false changes in a no-change plan", "not measured",
                            "no ncplan no-change plan measured"))
    peaks = [r for r in rows if r.tool == "ncplan" and r.size == 1000 and r.measurement]
    if peaks:
        top = max(peaks, key=lambda r: r.measurement.peak_mib if r.measurement else 0)
        mib = top.measurement.peak_mib if top.measurement else 0
        stages = sorted({r.stage for r in peaks}, key=STAGES.index)
        found.append(Target("peak RSS under 150 MB at N=1000",
                            "met" if mib * 1.048576 < 150 else "NOT met",
                            f"largest {mib:.0f} MiB ({mib * 1.048576:.0f} MB) in {top.stage} "
                            f"{top.cache}; stages measured: {', '.join(stages)}"))
    else:
        found.append(Target("peak RSS under 150 MB at N=1000", "not measured",
                            "no ncplan stage measured at N=1000"))
    ours = [e for e in exps if e.tool == "ncplan"]
    worst = max(ours, key=lambda e: e.value, default=None)
    found.append(Target(
        "no ncplan stage worse than linear in N (exponent <= 1.1)",
        "not measured" if worst is None else ("met" if worst.value <= 1.1 else "NOT met"),
        "no series with 2 sizes" if worst is None else
        f"largest exponent {worst.value:.2f} ({worst.stage}, {worst.cache})"))
    return found
