"""OPA for the policy tests: built once from the Go module proxy into a cache directory
(as scripts/agents builds the agents), then run with ``opa eval`` on a plan's JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

OPA_MODULE = "github.com/open-policy-agent/opa"
OPA_VERSION = "v1.22.4"
POLICIES = Path(__file__).resolve().parent


def cache_dir() -> Path:
    root = os.environ.get("NCPLAN_OPA_CACHE") or str(Path.home() / ".cache" / "ncplan" / "opa")
    return Path(root) / OPA_VERSION


def opa_binary() -> Path:
    """The OPA binary, built with ``go install`` the first time (several minutes)."""
    binary = cache_dir() / "opa"
    if binary.exists():
        return binary
    if shutil.which("go") is None:
        raise RuntimeError("go is not on PATH: OPA is built from its Go module")
    cache_dir().mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(cache_dir()), "GOTOOLCHAIN": "local",
           "GOFLAGS": "-buildvcs=false"}
    done = subprocess.run(["go", "install", "-trimpath", "-ldflags=-s -w",
                           f"{OPA_MODULE}@{OPA_VERSION}"], env=env, capture_output=True,
                          text=True, timeout=1800, check=False)
    if done.returncode != 0 or not binary.exists():
        raise RuntimeError(f"go install {OPA_MODULE}@{OPA_VERSION} failed:\n{done.stderr[-3000:]}")
    return binary


def evaluate(opa: Path, plan: dict[str, Any], query: str, work: Path) -> Any:
    """The value of ``query`` (e.g. ``data.main.deny``) over every policy here, with
    ``plan`` as the input."""
    document = work / "plan.json"
    document.write_text(json.dumps(plan))
    done = subprocess.run([str(opa), "eval", "--format", "json", "--data", str(POLICIES),
                           "--input", str(document), query], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    results = answer.get("result", [])
    return results[0]["expressions"][0]["value"] if results else None
