"""The real-world jobspecs of ../shared/real-jobs, laid out as a user would drop them in.

They are read at test time, never copied into the repository. ``NCPLAN_SHARED_DIR``
points at the shared folder (default: ``../shared`` beside the repository). When the
default folder is absent (a user's clone) the tests skip with that reason; under
``CI=true``, or when ``NCPLAN_SHARED_DIR`` names a folder without them, they fail.
Each case is a configuration directory: the job file(s) as ``NAME.nomad.hcl`` (09's two
jobs together) and, for 11, the variable values its SOURCE.txt gives, as a
``*.ncvars.hcl`` file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Case:
    folder: str
    files: tuple[tuple[str, str], ...]  # (file in the folder, name in the directory)
    jobs: tuple[str, ...]
    edges: tuple[tuple[str, str], ...] = ()  # (job, upstream) the graph must show


CASES = (
    Case("04-terminating-gateway", (("job.hcl", "tg-demo.nomad"),), ("term-cd",),
         (("term-cd", "count-api"),)),
    Case("05-ingress-gateway-native", (("job.hcl", "ig-bridge-demo.nomad"),),
         ("ig-bridge-demo",)),
    Case("06-hashicups-mesh", (("job.hcl", "hashicups.nomad.hcl"),), ("hashicups",),
         (("hashicups", "database"), ("hashicups", "product-api"),
          ("hashicups", "payments-api"), ("hashicups", "public-api"),
          ("hashicups", "frontend"))),
    Case("07-catalogue-consul-connect-proxy", (("job.hcl", "catalogue.nomad"),),
         ("catalogue-with-connect",)),
    Case("08-carts-consul-connect-proxy", (("job.hcl", "carts.nomad"),),
         ("carts-with-connect",), (("carts-with-connect", "carts-db"),)),
    Case("09-boutique-cart-redis",
         (("job1.hcl", "redis.nomad.hcl"), ("job2.hcl", "cart.nomad.hcl")),
         ("cart", "redis"), (("cart", "redis"),)),
    Case("11-grapl-core-dynamic-upstreams", (("job.hcl", "grapl-core.nomad.hcl"),),
         ("grapl-core",), (("grapl-core", "plugin-work-queue"),)),
    Case("12-mimir-homelab", (("job.hcl", "mimir.nomad.hcl"),), ("mimir",)),
)
# 11's upstreams that only its dynamic blocks make (with the default one replica and shard).
DYNAMIC_11 = ("dgraph-alpha-0-grpc-private", "dgraph-alpha-0-grpc-public")
VARS_MARK = "---8<--- grapl-core.vars.hcl"


def shared_dir() -> Path:
    return Path(os.environ.get("NCPLAN_SHARED_DIR") or REPOSITORY.parent / "shared")


def shared(name: str) -> Path:
    """``name`` in the shared folder; skip when the default folder lacks it (a user's
    clone), fail under CI=true (CI always has shared/ beside the clone) or when
    NCPLAN_SHARED_DIR names a folder that lacks it (the run asked for these tests)."""
    path = shared_dir() / name
    if not path.exists():
        if os.environ.get("NCPLAN_SHARED_DIR"):
            pytest.fail(f"NCPLAN_SHARED_DIR: {path} is absent")
        if os.environ.get("CI", "").lower() in {"true", "1"}:
            pytest.fail(f"CI=true: {path} is absent (CI runs with shared/ beside the clone)")
        pytest.skip(f"{path} is absent: the shared folder is not beside the repository "
                    "(NCPLAN_SHARED_DIR names it)")
    return path


def corpus() -> Path:
    """The real-jobs folder (see :func:`shared`)."""
    return shared("real-jobs")


def source_vars(text: str) -> str:
    """The var-file a SOURCE.txt gives between ``---8<--- NAME`` and ``---8<---``."""
    start = text.index(VARS_MARK) + len(VARS_MARK)
    return text[start:text.index("---8<---", start)].lstrip("\n")


def lay_out(case: Case, target: Path) -> Path:
    """``case`` as a configuration directory under ``target``."""
    folder = corpus() / case.folder
    directory = target / case.folder
    directory.mkdir(parents=True)
    for source, name in case.files:
        (directory / name).write_bytes((folder / source).read_bytes())
    source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    if VARS_MARK in source:
        (directory / "values.ncvars.hcl").write_text(source_vars(source), encoding="utf-8")
    return directory
