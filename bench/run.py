"""The benchmark runner: ncplan against the API floors, by hand and Terraform, N = 10..5000.

    python bench/run.py [--sizes 10 100 500 1000] [--layered-sizes 500] [--stages ...]
                        [--baselines ...] [--heavy-up-to 1000] [--terraform PATH]
                        [--json-out FILE] [--quick] [--nomad-addr URL --consul-addr URL]

The chain (service i calls i-1) runs at every ``--sizes``; the layered shape (5 tiers,
each service calling 3 of the next tier) at ``--layered-sizes``, for apply, the no-change
plan and destroy. By hand and Terraform, which take minutes at large N, run only up to
``--heavy-up-to`` services.

Without addresses it starts its own Consul and Nomad dev agents on free ports
(scripts/devagents.py) and stops them at the end. Each ncplan stage is a fresh
``python -m ncplan`` child, measured by measure.py; a stage whose command does not exist
yet prints "not built yet". Cold: the configuration's parse cache is removed first (what
a CI job sees); warm: the cache the cold run wrote is there. Stages that change nothing
(validate, the plans, the floor's plans) run ``--repeat`` times and keep the median run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import byhand  # noqa: E402
import devagents  # noqa: E402
import generate  # noqa: E402
import report  # noqa: E402
import terraform  # noqa: E402
from measure import (  # noqa: E402
    BenchError,
    ChildResult,
    Measurement,
    json_requests,
    run_child,
    run_sequence,
)

STAGE_KEYS = {"validate": "validate", "plan-create": "plan (create)", "apply": "apply",
              "plan-nochange": "plan (no changes)", "plan-changed": "plan (one changed)",
              "destroy": "destroy"}
BASELINE_KEYS = {"floor": "floor", "ordered": "floor (ordered)", "byhand": "by hand",
                 "terraform": "terraform"}
COMMAND_OF_STAGE = {"validate": "validate", "plan (create)": "plan", "apply": "apply",
                    "plan (no changes)": "plan", "plan (one changed)": "plan",
                    "destroy": "destroy"}
NEEDS_APPLY = ("plan (no changes)", "plan (one changed)", "destroy")
LAYERED_STAGES = ("apply", "plan (no changes)", "destroy")


@dataclass
class Context:
    """What one run works with: the agents, the options, the rows measured so far."""

    nomad: str
    consul: str
    nomad_cli: Path
    consul_cli: Path
    source: Path  # the tree whose ncplan is measured
    stages: tuple[str, ...]
    baselines: tuple[str, ...]
    terraform_binary: Path | None
    built: dict[str, bool]
    prefix: str = "svc"
    repeat: int = 3
    shape: generate.Shape = generate.Shape.CHAIN
    fanout: int = 3
    tiers: int = 5
    heavy_up_to: int = 1000  # by hand and Terraform only up to this N
    rows: list[report.Row] = field(default_factory=list)
    # (shape and N, the load average) at the start and the end of each size
    loads: list[tuple[str, tuple[float, float, float]]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(NOMAD_ADDR=self.nomad, CONSUL_HTTP_ADDR=self.consul, NO_COLOR="1",
                   PYTHONPATH=str(self.source) + os.pathsep + env.get("PYTHONPATH", ""),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        env.pop("NCPLAN_NO_CACHE", None)
        return env

    def add(self, row: report.Row) -> None:
        row = dataclasses.replace(row, shape=self.shape.value)
        self.rows.append(row)
        m = row.measurement
        figure = (f"{m.wall:7.2f} s  cpu {m.cpu:6.2f} s  {m.peak_mib:4.0f} MiB  "
                  f"requests {'-' if m.requests is None else dict(m.requests)}" if m
                  else row.note)
        print(f"  {row.shape:<7} N={row.size:<5} {row.stage:<19} {row.tool:<15} "
              f"{row.cache:<4} {figure}", file=sys.stderr, flush=True)


def ncplan_argv(directory: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "ncplan", "-C", str(directory), "--no-color", *args]


def command_exists(name: str, env: dict[str, str]) -> bool:
    """Whether ``ncplan NAME --help`` works (run outside any source tree: ``python -m``
    puts the working directory first on the path)."""
    result = subprocess.run([sys.executable, "-m", "ncplan", name, "--help"], env=env,
                            cwd=tempfile.gettempdir(), capture_output=True, text=True,
                            check=False)
    return result.returncode == 0


STAGE_ARGS = {"validate": ("validate",), "plan (create)": ("plan", "--detailed-exitcode"),
              "plan (no changes)": ("plan", "--detailed-exitcode"),
              "plan (one changed)": ("plan", "--detailed-exitcode"),
              "apply": ("apply", "--auto-approve", "--no-wait"),
              "destroy": ("destroy", "--auto-approve")}
OK_CODES = {"plan (create)": (2,), "plan (no changes)": (0,), "plan (one changed)": (2,)}


def ncplan_stage(ctx: Context, size: int, directory: Path, stage: str, cache: str) -> None:
    if stage not in ctx.stages:
        return
    if not ctx.built[COMMAND_OF_STAGE[stage]]:
        ctx.add(report.Row(size, stage, "ncplan", cache, None,
                           f"{report.NOT_BUILT} (ncplan {COMMAND_OF_STAGE[stage]})"))
        return
    runs = []
    for _ in range(1 if stage in ("apply", "destroy") else ctx.repeat):
        if cache == "cold":
            shutil.rmtree(directory / ".ncplan" / "cache", ignore_errors=True)
        runs.append(run_child(ncplan_argv(directory, *STAGE_ARGS[stage]), env=ctx.env(),
                              cwd=directory, count_requests=True))
    result = median_run(runs)
    code = result.measurement.exit_code
    note = ""
    if code not in OK_CODES.get(stage, (0,)):
        if stage == "plan (no changes)" and code == 2:
            note = f"false changes: {false_changes(ctx, directory)}"
        else:
            raise BenchError(f"ncplan {stage} at N={size} exited {code}: "
                             f"{(result.stderr or result.stdout).strip()[-800:]}")
    ctx.add(report.Row(size, stage, "ncplan", cache, result.measurement, note))


def median_run(runs: Sequence[ChildResult]) -> ChildResult:
    """The run with the median wall time (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r.measurement.wall)[len(runs) // 2]


def false_changes(ctx: Context, directory: Path) -> int:
    """Resources a no-change plan wants to change (its JSON, untimed)."""
    out = run_child(ncplan_argv(directory, "plan", "--json"), env=ctx.env(),
                    cwd=directory).stdout
    plan = json.loads(out)
    return sum(1 for rc in plan.get("resource_changes", ())
               if rc.get("change", {}).get("actions") not in (["no-op"], ["read"]))


def floor(ctx: Context, size: int, stage: str, action: str, payloads: Path,
          record: bool = True) -> None:
    """The floor's requests for ``action``; a plan (which changes nothing) is repeated and
    its median run kept, as ncplan's are."""
    argv = [sys.executable, str(HERE / "floor.py"), action, str(payloads), ctx.nomad,
            ctx.consul]
    result = median_run([run_child(argv, env=ctx.env())
                         for _ in range(ctx.repeat if action == "plan" and record else 1)])
    if result.measurement.exit_code != 0:
        raise BenchError(f"floor {action} at N={size} failed: {result.stderr[-800:]}")
    m = result.measurement
    measured = Measurement(m.wall, m.cpu, m.peak_mib, json_requests(result.stdout))
    if record and "floor" in ctx.baselines:
        ctx.add(report.Row(size, stage, "floor", "", measured))


def ordered(ctx: Context, size: int, stage: str, payloads: Path, record: bool) -> None:
    """The ordered floor: the same writes as the floor's, in dependency order."""
    argv = [sys.executable, str(HERE / "floor.py"), f"{stage}-ordered", str(payloads),
            ctx.nomad, ctx.consul]
    result = run_child(argv, env=ctx.env())
    if result.measurement.exit_code != 0:
        raise BenchError(f"ordered floor {stage} at N={size} failed: {result.stderr[-800:]}")
    m = result.measurement
    if record:
        ctx.add(report.Row(size, stage, "floor (ordered)", "",
                           Measurement(m.wall, m.cpu, m.peak_mib, json_requests(result.stdout))))


def by_hand(ctx: Context, size: int, document: dict[str, Any], work: Path) -> None:
    if "by hand" not in ctx.baselines or not ({"apply", "destroy"} & set(ctx.stages)) \
            or size > ctx.heavy_up_to:
        return
    files = byhand.write_files(document, work / "by-hand")
    env = ctx.env()
    applied = run_sequence(byhand.apply_commands(files, ctx.nomad_cli, ctx.consul_cli), env=env)
    ctx.add(report.Row(size, "apply", "by hand", "", applied))
    destroyed = run_sequence(byhand.destroy_commands(document, ctx.nomad_cli, ctx.consul_cli),
                             env=env)
    ctx.add(report.Row(size, "destroy", "by hand", "", destroyed))


def run_terraform(ctx: Context, size: int, document: dict[str, Any], work: Path) -> None:
    if "terraform" not in ctx.baselines or size > ctx.heavy_up_to:
        return
    binary = ctx.terraform_binary
    directory = work / "terraform"
    terraform.write(directory, document, ctx.nomad, ctx.consul)
    available = terraform.availability(binary)
    if not available.usable or binary is None:
        return
    env = ctx.env()
    terraform.init(binary, directory, env)
    cmds = terraform.commands(binary)
    for stage in terraform.stage_names():
        result = run_child(cmds[stage], env=env, cwd=directory)
        if result.measurement.exit_code != 0:
            raise BenchError(f"terraform {stage} failed: {result.stderr[-800:]}")
        note = (f"false changes: {terraform.false_changes(result.stdout)}"
                if stage == "plan (no changes)" else "")
        ctx.add(report.Row(size, stage, "terraform", "", result.measurement, note))


def render_payloads(ctx: Context, directory: Path, target: Path) -> dict[str, Any]:
    out = subprocess.run(ncplan_argv(directory, "render", "--format", "json"), env=ctx.env(),
                         cwd=directory, capture_output=True, text=True, check=True).stdout
    target.write_text(out)
    document: dict[str, Any] = json.loads(out)
    return document


def one_size(ctx: Context, size: int, work: Path) -> None:
    directory = work / "config"
    spec = generate.Spec(size, ctx.shape, ctx.fanout, prefix=ctx.prefix, tiers=ctx.tiers)
    generate.generate(directory, spec)
    payloads = work / "payloads.json"
    document = render_payloads(ctx, directory, payloads)
    ctx.loads.append((f"{ctx.shape} N={size}", os.getloadavg()))
    for cache in ("cold", "warm"):
        ncplan_stage(ctx, size, directory, "validate", cache)
    if "plan (create)" in ctx.stages:
        floor(ctx, size, "plan (create)", "plan", payloads)
        for cache in ("cold", "warm"):
            ncplan_stage(ctx, size, directory, "plan (create)", cache)
    baselines_of_size(ctx, size, document, payloads, work)
    ncplan_lifecycle(ctx, size, directory, spec)
    floor(ctx, size, "cleanup", "destroy", payloads, record=False)
    ctx.loads.append((f"{ctx.shape} N={size}", os.getloadavg()))


def baselines_of_size(ctx: Context, size: int, document: dict[str, Any], payloads: Path,
                      work: Path) -> None:
    """Floor apply, plans and destroy; by hand; Terraform: each leaves the agents empty."""
    wanted = set(ctx.stages)
    if wanted & {"apply", "plan (no changes)", "plan (one changed)", "destroy"}:
        floor(ctx, size, "apply", "apply", payloads, record="apply" in wanted)
        if "plan (no changes)" in wanted:
            floor(ctx, size, "plan (no changes)", "plan", payloads)
        if "plan (one changed)" in wanted:
            floor(ctx, size, "plan (one changed)", "plan", payloads)
        floor(ctx, size, "destroy", "destroy", payloads, record="destroy" in wanted)
        if "floor (ordered)" in ctx.baselines:
            ordered(ctx, size, "apply", payloads, record="apply" in wanted)
            ordered(ctx, size, "destroy", payloads, record="destroy" in wanted)
    by_hand(ctx, size, document, work)
    run_terraform(ctx, size, document, work)


def ncplan_lifecycle(ctx: Context, size: int, directory: Path, spec: generate.Spec) -> None:
    """apply, no-change plans, one change, destroy: each only once the one before ran."""
    wanted = [s for s in ("apply", *NEEDS_APPLY) if s in ctx.stages]
    if not wanted:
        return
    if not ctx.built["apply"]:
        for stage in wanted:
            caches = ("warm",) if stage in ("apply", "destroy") else ("cold", "warm")
            for cache in caches:
                note = report.NOT_BUILT + (" (ncplan apply)" if stage == "apply"
                                           else " (needs ncplan apply first)")
                ctx.add(report.Row(size, stage, "ncplan", cache, None, note))
        return
    ncplan_stage(ctx, size, directory, "apply", "warm")
    for cache in ("cold", "warm"):
        ncplan_stage(ctx, size, directory, "plan (no changes)", cache)
    if "plan (one changed)" in ctx.stages:
        generate.change_one(directory, spec, size // 2)
    for cache in ("cold", "warm"):
        ncplan_stage(ctx, size, directory, "plan (one changed)", cache)
    ncplan_stage(ctx, size, directory, "destroy", "warm")


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    stages: tuple[str, ...]
    baselines: tuple[str, ...]
    terraform: Path | None
    json_out: Path | None
    nomad_addr: str | None
    consul_addr: str | None
    source: Path
    prefix: str
    shape: generate.Shape
    fanout: int
    repeat: int
    layered_sizes: tuple[int, ...] = ()
    tiers: int = 5
    heavy_up_to: int = 1000


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500, 1000])
    parser.add_argument("--stages", nargs="+", choices=list(STAGE_KEYS),
                        default=list(STAGE_KEYS))
    parser.add_argument("--baselines", nargs="+", choices=list(BASELINE_KEYS),
                        default=list(BASELINE_KEYS))
    parser.add_argument("--terraform", type=Path,
                        default=Path(shutil.which("terraform") or "terraform"))
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--ncplan-src", type=Path, default=ROOT,
                        help="the source tree whose ncplan is measured (default: this one)")
    parser.add_argument("--prefix", default="svc", help="services are PREFIX-0..PREFIX-(N-1)")
    parser.add_argument("--shape", type=generate.Shape, default=generate.Shape.CHAIN,
                        choices=list(generate.Shape))
    parser.add_argument("--fanout", type=int, default=3,
                        help="callees per caller (tree, layered)")
    parser.add_argument("--layered-sizes", type=int, nargs="*", default=[500],
                        help="sizes of the layered shape's run (none: no layered run)")
    parser.add_argument("--tiers", type=int, default=5, help="tiers of the layered shape")
    parser.add_argument("--heavy-up-to", type=int, default=1000,
                        help="run by hand and Terraform only up to this N")
    parser.add_argument("--nomad-addr")
    parser.add_argument("--consul-addr")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each stage that changes nothing; the median is kept")
    parser.add_argument("--quick", action="store_true",
                        help="N=10, validate and plan (create), the floor only")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.stages, args.baselines = [10], ["validate", "plan-create"], ["floor"]
        args.repeat, args.layered_sizes = 1, []
    if bool(args.nomad_addr) != bool(args.consul_addr):
        parser.error("give both --nomad-addr and --consul-addr, or neither")
    return Options(tuple(args.sizes), tuple(STAGE_KEYS[s] for s in args.stages),
                   tuple(BASELINE_KEYS[b] for b in args.baselines), args.terraform,
                   args.json_out, args.nomad_addr, args.consul_addr,
                   args.ncplan_src.resolve(), args.prefix, args.shape, args.fanout,
                   max(1, args.repeat), tuple(args.layered_sizes), args.tiers,
                   args.heavy_up_to)


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "processor": _cpu_model(),
            "nomad": devagents.agent_version(devagents.NOMAD.binary),
            "consul": devagents.agent_version(devagents.CONSUL.binary)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def print_report(ctx: Context, opts: Options, tf_line: str | None) -> None:
    for size in opts.sizes:
        print(f"\n### N = {size}\n")
        print(report.markdown(report.HEADER, report.table(ctx.rows, size, opts.shape.value)))
    for size in opts.layered_sizes:
        print(f"\n### Layered, N = {size} ({opts.tiers} tiers, each service calling "
              f"{opts.fanout} of the next)\n")
        print(report.markdown(report.HEADER, report.table(ctx.rows, size, report.LAYERED)))
    if tf_line:
        print(f"\n{tf_line}")
    exps = report.exponents(ctx.rows)
    print("\n### Exponent of wall time vs N (log-log least squares)\n")
    print(report.markdown(("stage", "tool", "cache", "sizes", "wall", "CPU",
                           "wall, two largest sizes", "CPU, two largest sizes"),
                          [[e.stage, e.tool, e.cache or "-", ",".join(map(str, e.sizes)),
                            f"{e.value:.2f}", f"{e.cpu:.2f}", f"{e.tail:.2f}",
                            f"{e.tail_cpu:.2f}"] for e in exps]))
    print("\n### Targets\n")
    print(report.markdown(("target", "verdict", "detail"),
                          [[t.claim, t.verdict, t.detail] for t in report.targets(ctx.rows,
                                                                                   exps)]))
    loads = ", ".join(f"{n}: {a:.2f}/{b:.2f}/{c:.2f}" for n, (a, b, c) in ctx.loads)
    print(f"\nLoad average (1/5/15 min) at the start and end of each size: {loads}")


def run(opts: Options, start_agents: Callable[[], Any] = devagents.start) -> Context:
    pair = None
    if opts.nomad_addr and opts.consul_addr:
        nomad, consul = opts.nomad_addr.rstrip("/"), opts.consul_addr.rstrip("/")
    else:
        pair = start_agents()
        nomad, consul = pair.nomad_addr, pair.consul_addr
    try:
        ctx = Context(nomad, consul, devagents.NOMAD.binary, devagents.CONSUL.binary,
                      opts.source, opts.stages, opts.baselines, opts.terraform, {},
                      prefix=opts.prefix, shape=opts.shape, fanout=opts.fanout,
                      repeat=opts.repeat, tiers=opts.tiers, heavy_up_to=opts.heavy_up_to)
        ctx.built = {c: command_exists(c, ctx.env())
                     for c in ("validate", "plan", "apply", "destroy")}
        print(f"ncplan commands built: {ctx.built}", file=sys.stderr, flush=True)
        layered = dataclasses.replace(
            ctx, shape=generate.Shape.LAYERED,
            stages=tuple(s for s in ctx.stages if s in LAYERED_STAGES),
            baselines=tuple(b for b in ctx.baselines if b != "by hand"))
        # the layered run first, then the chain from the smallest size to the largest
        runs = [(layered, size) for size in opts.layered_sizes]
        runs += [(ctx, size) for size in sorted(opts.sizes)]
        for run_ctx, size in runs:
            with tempfile.TemporaryDirectory(prefix=f"ncplan-bench-{size}-") as tmp:
                started = time.perf_counter()
                one_size(run_ctx, size, Path(tmp))
                print(f"{run_ctx.shape} N={size} done in "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            if opts.json_out:  # after each size: a run stopped late keeps what it measured
                write_json(opts, ctx)
        return ctx
    finally:
        if pair is not None:
            pair.stop()


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    tf_line = None
    if "terraform" in opts.baselines:
        available = terraform.availability(opts.terraform)
        if not available.usable:
            tf_line = f"Terraform rows skipped: {available.reason}."
            print(tf_line, file=sys.stderr, flush=True)
    ctx = run(opts)
    print_report(ctx, opts, tf_line)
    if opts.json_out:
        write_json(opts, ctx, tf_line)
    return 0


def write_json(opts: Options, ctx: Context, tf_line: str | None = None) -> None:
    assert opts.json_out is not None
    opts.json_out.write_text(json.dumps({
        "machine": machine(), "sizes": opts.sizes, "layered_sizes": opts.layered_sizes,
        "terraform": tf_line, "loads": ctx.loads, "rows": [asdict(r) for r in ctx.rows]},
        indent=1))


if __name__ == "__main__":
    sys.exit(main())
