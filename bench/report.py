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
BASELINES = ("floor", "floor (ordered)", "by hand", "terraform")
CHAIN = "chain"
LAYERED = "layered"
NOT_BUILT = "not built yet"


@dataclass(frozen=True)
class Row:
    size: int
    stage: str
    tool: str  # "ncplan" or one of BASELINES
    cache: str = ""  # "cold" | "warm" for ncplan, "" for baselines
    measurement: Measurement | None = None
    note: str = ""  # why there is no measurement, or a remark (false changes...)
    shape: str = CHAIN  # the services' shape (generate.Shape): "chain", "layered", "tree"


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
          cache: str = "", shape: str = CHAIN) -> Measurement | None:
    for row in rows:
        if (row.size, row.stage, row.tool, row.cache, row.shape) == (size, stage, tool, cache,
                                                                      shape):
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
          "÷ floor", "÷ ordered floor", "÷ by hand", "÷ terraform", "note")


def table(rows: Sequence[Row], size: int, shape: str = CHAIN) -> list[list[str]]:
    """The rows of one size and shape, stage by stage: ncplan's figures with its time
    divided by each baseline's time on the same stage (below 1: ncplan is faster), then
    the baselines' own figures."""
    out: list[list[str]] = []
    for stage in STAGES:
        for row in (r for r in rows
                    if r.size == size and r.stage == stage and r.shape == shape):
            ratios = ["" for _ in BASELINES]
            if row.tool == "ncplan":
                ratios = [_ratio(row.measurement, _find(rows, size, stage, b, shape=shape))
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
    tail_cpu: float  # CPU time between the two largest sizes


def exponents(rows: Sequence[Row]) -> list[Exponent]:
    """The fitted exponent of wall time against N for every series with 2+ sizes (the
    layered run has one size: it is left out)."""
    series: dict[tuple[str, str, str], list[tuple[int, Measurement]]] = {}
    for row in rows:
        if row.measurement is not None and row.shape != LAYERED:
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
                fit_exponent([(float(n), m.wall) for n, m in points[-2:]]),
                fit_exponent([(float(n), m.cpu) for n, m in points[-2:]])))
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(found, key=lambda e: (order.get(e.stage, 99), e.tool, e.cache))


@dataclass(frozen=True)
class Target:
    claim: str
    verdict: str  # "met", "NOT met", "not measured"
    detail: str


def _speed_target(rows: Sequence[Row], claim: str, size: int, stage: str, cache: str,
                  baseline: str, factor: float, faster: bool, shape: str = CHAIN) -> Target:
    ours = _find(rows, size, stage, "ncplan", cache, shape)
    theirs = _find(rows, size, stage, baseline, shape=shape)
    if ours is None or theirs is None:
        missing = "ncplan" if ours is None else baseline
        return Target(claim, "not measured", f"no {missing} figure for {stage} at N={size}")
    ratio = ours.wall / theirs.wall
    met = ratio * factor <= 1 if faster else ratio <= factor
    detail = (f"ncplan {ours.wall:.2f} s, {baseline} {theirs.wall:.2f} s: "
              + (f"{1 / ratio:.1f}x faster" if ratio < 1 else f"{ratio:.2f}x the time"))
    return Target(claim, "met" if met else "NOT met", detail)


def _requests(m: Measurement | None) -> int | None:
    return None if m is None or m.requests is None else sum(m.requests.values())


def _request_target(rows: Sequence[Row], size: int) -> Target:
    claim = f"no-change plan of {size}, cold: at most 10 requests"
    sent = _requests(_find(rows, size, "plan (no changes)", "ncplan", "cold"))
    if sent is None:
        return Target(claim, "not measured", f"no ncplan no-change plan at N={size}")
    return Target(claim, "met" if sent <= 10 else "NOT met", f"{sent} requests")


def _one_changed_target(rows: Sequence[Row], size: int) -> Target:
    """A plan after one service changed: the no-change plan's requests plus that
    service's own (its job's read and Nomad plan, its entry's read: 3 at most)."""
    claim = (f"plan of {size} with one service changed: the no-change plan's requests "
             "plus that service's (3 at most)")
    base = _requests(_find(rows, size, "plan (no changes)", "ncplan", "cold"))
    changed = _requests(_find(rows, size, "plan (one changed)", "ncplan", "cold"))
    if base is None or changed is None:
        return Target(claim, "not measured", f"no cold plans measured at N={size}")
    return Target(claim, "met" if changed <= base + 3 else "NOT met",
                  f"{changed} requests, {base} without the change")


def _time_target(rows: Sequence[Row], size: int, seconds: float) -> Target:
    claim = f"no-change plan of {size:,}, cold, under {seconds:g} s"
    m = _find(rows, size, "plan (no changes)", "ncplan", "cold")
    if m is None:
        return Target(claim, "not measured", f"no ncplan no-change plan at N={size}")
    return Target(claim, "met" if m.wall < seconds else "NOT met", f"{m.wall:.2f} s")


def _rss_target(rows: Sequence[Row], size: int, megabytes: float) -> Target:
    claim = f"peak RSS at N={size:,} under {megabytes:g} MB"
    peaks = [r for r in rows if r.tool == "ncplan" and r.size == size and r.measurement
             and r.shape != LAYERED]
    if not peaks:
        return Target(claim, "not measured", f"no ncplan stage measured at N={size}")
    top = max(peaks, key=lambda r: r.measurement.peak_mib if r.measurement else 0)
    mib = top.measurement.peak_mib if top.measurement else 0
    stages = sorted({r.stage for r in peaks}, key=STAGES.index)
    return Target(claim, "met" if mib * 1.048576 < megabytes else "NOT met",
                  f"largest {mib:.0f} MiB ({mib * 1.048576:.0f} MB) in {top.stage} "
                  f"{top.cache}; stages measured: {', '.join(stages)}")


def _false_changes_target(rows: Sequence[Row]) -> Target:
    claim = "zero false changes in a no-change plan"
    nochange = [r for r in rows if r.tool == "ncplan" and r.stage == "plan (no changes)"
                and r.measurement is not None]
    if not nochange:
        return Target(claim, "not measured", "no ncplan no-change plan measured")
    bad = [r for r in nochange if r.measurement and r.measurement.exit_code != 0]
    return Target(claim, "NOT met" if bad else "met",
                  "; ".join(f"N={r.size}: {r.note}" for r in bad)
                  or f"{len(nochange)} no-change plans, all exit 0")


def _linear_target(exps: Sequence[Exponent]) -> Target:
    """Linear over all sizes and at the margin: the fit over every size hides a cost
    that grows faster than N behind start-up, the two largest sizes show it (wall and
    CPU time both)."""
    ours = [e for e in exps if e.tool == "ncplan"]
    claim = "every ncplan stage linear in N (exponent <= 1.1, all sizes and two largest)"
    if not ours:
        return Target(claim, "not measured", "no series with 2 sizes")
    worst = max(ours, key=lambda e: max(e.value, e.tail, e.tail_cpu))
    top = max(worst.value, worst.tail, worst.tail_cpu)
    return Target(claim, "met" if top <= 1.1 else "NOT met",
                  f"largest exponent {top:.2f} ({worst.stage}, {worst.cache}: all sizes "
                  f"{worst.value:.2f}, two largest {worst.tail:.2f} wall, "
                  f"{worst.tail_cpu:.2f} CPU)")


def targets(rows: Sequence[Row], exps: Sequence[Exponent]) -> list[Target]:
    """The benchmark's targets, each met, NOT met or not measured, with its figures."""
    return [
        _request_target(rows, 500),
        _speed_target(rows, "no-change plan of 500, cold, 10x faster than Terraform", 500,
                      "plan (no changes)", "cold", "terraform", 10.0, faster=True),
        _speed_target(rows, "no-change plan of 500, cold, below the per-resource floor",
                      500, "plan (no changes)", "cold", "floor", 1.0, faster=False),
        _time_target(rows, 5000, 2.0),
        _one_changed_target(rows, 500),
        _speed_target(rows, "apply of the 500 chain within 2x the ordered floor", 500,
                      "apply", "warm", "floor (ordered)", 2.0, faster=False),
        _speed_target(rows, "apply of the 500 chain 10x faster than Terraform", 500,
                      "apply", "warm", "terraform", 10.0, faster=True),
        _speed_target(rows, "apply of the layered 500 within 1.5x its ordered floor "
                      "(--parallelism 10)", 500, "apply", "warm", "floor (ordered)", 1.5,
                      faster=False, shape=LAYERED),
        _rss_target(rows, 5000, 200.0),
        _false_changes_target(rows),
        _linear_target(exps),
    ]
