"""Generate N ncplan services for the benchmarks: a chain or a tree, 50 services per file.

* chain: service i calls service i-1 (svc-0 calls nothing, or an external service);
* tree: a fan-out tree: service p calls its children p*F+1 .. p*F+F;
* layered: T tiers of N/T services (the first tiers one larger when T does not divide N),
  each service calling F services of the next tier (the one at its own position and the
  F-1 after it, wrapping round): callers in tier t, callees in tier t+1.

Every service is a job with the builtin sidecar (the default) and one intention per edge
(caller -> callee), so Consul gets one service-intentions entry per called service.

    python bench/generate.py DIR N [--shape chain|tree|layered] [--fanout F] [--tiers T]
                                   [--count C]
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PER_FILE = 50
EXTERNAL = "external-db"

SERVICE = '''service "{name}" {{
  count    = {count}
  port     = "tcp"
  protocol = "tcp"
  meta     = {{ team = "bench", index = "{i}", revision = "{revision}" }}
  task {{
    driver = "raw_exec"
    config = {{
      command = "/usr/local/bin/app"
      args    = ["-bind", "127.0.0.1:${{NOMAD_PORT_tcp}}"{upstream_args}]
    }}
    env = {{ LOG_LEVEL = var.log_level }}
    resources {{
      cpu    = 100
      memory = 128
    }}
  }}
{upstreams}}}

'''

UPSTREAM = '  upstream "{name}" {{{body}}}\n'

INTENTION = '''intention "{source}" "{destination}" {{
  action      = "allow"
  description = "{source} calls {destination}"
}}

'''


class Shape(enum.StrEnum):
    CHAIN = "chain"
    TREE = "tree"
    LAYERED = "layered"


@dataclass(frozen=True)
class Spec:
    """What to generate: ``services`` services of ``shape``; ``count`` instances each;
    ``external_root`` gives svc-0 an external upstream (``external-db``); ``changed``
    names one service whose ``meta.revision`` is 2 instead of 1."""

    services: int
    shape: Shape = Shape.CHAIN
    fanout: int = 3
    count: int = 0
    external_root: bool = False
    changed: int | None = None
    prefix: str = "svc"  # services are PREFIX-0 .. PREFIX-(N-1)
    tiers: int = 5  # layered: how many tiers


def edges(spec: Spec) -> list[tuple[int, int]]:
    """(caller, callee) index pairs, in caller order."""
    if spec.shape is Shape.CHAIN:
        return [(i, i - 1) for i in range(1, spec.services)]
    if spec.shape is Shape.LAYERED:
        return layered_edges(spec.services, spec.tiers, spec.fanout)
    if spec.fanout < 1:
        raise ValueError("a tree needs a fan-out of at least 1")
    return [(p, c) for p in range(spec.services)
            for c in range(p * spec.fanout + 1, p * spec.fanout + spec.fanout + 1)
            if c < spec.services]


def tier_bounds(services: int, tiers: int) -> list[range]:
    """The services of each tier, in order: ``services`` split into ``tiers`` runs."""
    if tiers < 1:
        raise ValueError("a layered shape needs at least 1 tier")
    size, extra = divmod(services, tiers)
    bounds, start = [], 0
    for tier in range(tiers):
        width = size + (1 if tier < extra else 0)
        bounds.append(range(start, start + width))
        start += width
    return bounds


def layered_edges(services: int, tiers: int, fanout: int) -> list[tuple[int, int]]:
    """(caller, callee) pairs of the layered shape, in caller order."""
    if fanout < 1:
        raise ValueError("a layered shape needs a fan-out of at least 1")
    bounds = tier_bounds(services, tiers)
    found = []
    for here, below in itertools.pairwise(bounds):
        if not below:
            continue
        for position, caller in enumerate(here):
            callees = {below[(position + k) % len(below)] for k in range(fanout)}
            found += [(caller, callee) for callee in sorted(callees)]
    return found


def service_name(spec: Spec, index: int) -> str:
    return f"{spec.prefix}-{index}"


def _service_text(spec: Spec, index: int, callees: Sequence[str]) -> str:
    upstream_args = "".join(f', "-upstream", "${{upstream.{c}}}"' for c in callees)
    upstreams = "".join(
        UPSTREAM.format(name=c, body="\n    external = true\n  " if c == EXTERNAL else "")
        for c in callees)
    text = SERVICE.format(name=service_name(spec, index), i=index, count=spec.count,
                          upstream_args=upstream_args, upstreams=upstreams,
                          revision=2 if spec.changed == index else 1)
    return text + "".join(INTENTION.format(source=service_name(spec, index), destination=c)
                          for c in callees)


def callees_by_caller(spec: Spec) -> dict[int, list[str]]:
    calls: dict[int, list[str]] = {i: [] for i in range(spec.services)}
    if spec.external_root and spec.services:
        calls[0].append(EXTERNAL)
    for caller, callee in edges(spec):
        calls[caller].append(service_name(spec, callee))
    return calls


def file_name(first: int) -> str:
    return f"services-{first // PER_FILE:04d}.hcl"


def generate(directory: Path, spec: Spec) -> int:
    """Write the services into ``directory`` (plus variables.hcl); returns the bytes written
    to the service files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "variables.hcl").write_text(
        'variable "log_level" {\n  default = "info"\n}\n', encoding="utf-8")
    calls = callees_by_caller(spec)
    total = 0
    for first in range(0, spec.services, PER_FILE):
        text = "".join(_service_text(spec, i, calls[i])
                       for i in range(first, min(first + PER_FILE, spec.services)))
        total += len(text.encode())
        (directory / file_name(first)).write_text(text, encoding="utf-8")
    return total


def change_one(directory: Path, spec: Spec, index: int) -> Spec:
    """Rewrite the file holding service ``index`` with that service changed (its
    ``meta.revision``); returns the new spec. Only that one file changes."""
    changed = dataclasses.replace(spec, changed=index)
    first = index - index % PER_FILE
    calls = callees_by_caller(changed)
    text = "".join(_service_text(changed, i, calls[i])
                   for i in range(first, min(first + PER_FILE, spec.services)))
    (directory / file_name(first)).write_text(text, encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("services", type=int)
    parser.add_argument("--shape", type=Shape, default=Shape.CHAIN)
    parser.add_argument("--fanout", type=int, default=3)
    parser.add_argument("--tiers", type=int, default=5)
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args(argv)
    generate(args.directory, Spec(args.services, args.shape, args.fanout, args.count,
                                  tiers=args.tiers))


if __name__ == "__main__":
    main()
