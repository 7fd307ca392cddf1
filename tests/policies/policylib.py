"""OPA for the policy tests: built once from the Go module proxy into a cache directory
(as scripts/agents builds the agents), then run with ``opa eval`` on a plan's JSON.

The public policies (:func:`public_policies`) come from the same proxy at test time, from
the Go modules that publish them, and are never committed: conftest's Terraform example
(Apache-2.0) and the policy of OPA's Terraform tutorial (in OPA's own docs, Apache-2.0).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

OPA_MODULE = "github.com/open-policy-agent/opa"
OPA_VERSION = "v1.22.4"
CONFTEST_MODULE = "github.com/open-policy-agent/conftest"
CONFTEST_VERSION = "v0.71.1"
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


def _go_env() -> dict[str, str]:
    return {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}


def module_dir(module: str, version: str, work: Path) -> Path:
    """Where ``go mod download`` put a module's files (the module cache, read only)."""
    if shutil.which("go") is None:
        raise RuntimeError("go is not on PATH: the public policies come from Go modules")
    done = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"],
                          cwd=work, env=_go_env(), capture_output=True, text=True,
                          timeout=600, check=False)
    answer = json.loads(done.stdout or "{}")
    if done.returncode != 0 or "Dir" not in answer:
        raise RuntimeError(f"go mod download {module}@{version} failed:\n"
                           f"{answer.get('Error', done.stderr)[-3000:]}")
    return Path(answer["Dir"])


def _fenced_rego(markdown: str, first_line: str) -> str:
    """The ```rego block of a Markdown page whose first line is ``first_line``."""
    for block in markdown.split("```rego\n")[1:]:
        body = block.split("\n```", 1)[0]
        if body.startswith(first_line + "\n"):
            return body + "\n"
    raise RuntimeError(f"no rego block starting {first_line!r}")


def public_policies(work: Path) -> Path:
    """A folder holding two public Terraform plan policies, unchanged:

    - ``conftest_terraform.rego``: conftest's Terraform example (``examples/hcl1/policy/
      base.rego`` of github.com/open-policy-agent/conftest), which denies a plan that
      changes a resource whose type starts with a denied prefix (``data.main``);
    - ``opa_terraform_tutorial.rego``: the policy of OPA's Terraform tutorial
      (``docs/docs/terraform.md`` of github.com/open-policy-agent/opa), a blast radius
      score weighted per resource type and action (``data.terraform.analysis``).

    Both hard-code AWS/GCP types; a test gives them ncplan's with ``with`` (see
    :data:`NCPLAN_WEIGHTS`), as a team adopting them would edit their parameters.
    """
    folder = work / "public-policies"
    folder.mkdir(exist_ok=True)
    conftest = module_dir(CONFTEST_MODULE, CONFTEST_VERSION, work)
    shutil.copyfile(conftest / "examples" / "hcl1" / "policy" / "base.rego",
                    folder / "conftest_terraform.rego")
    opa = module_dir(OPA_MODULE, OPA_VERSION, work)
    tutorial = (opa / "docs" / "docs" / "terraform.md").read_text(encoding="utf-8")
    (folder / "opa_terraform_tutorial.rego").write_text(
        _fenced_rego(tutorial, "package terraform.analysis"), encoding="utf-8")
    return folder


#: The tutorial's parameters for ncplan's types (its own are AWS's), in its units.
NCPLAN_WEIGHTS = (
    ' with data.terraform.analysis.weights as {'
    '"nomad_job": {"delete": 100, "create": 10, "modify": 1}, '
    '"consul_intention": {"delete": 10, "create": 1, "modify": 1}}'
    ' with data.terraform.analysis.resource_types as {"nomad_job", "consul_intention"}')


def evaluate(opa: Path, plan: dict[str, Any], query: str, work: Path,
             policies: Path = POLICIES) -> Any:
    """The value of ``query`` (e.g. ``data.main.deny``) over every policy in
    ``policies`` (those here by default), with ``plan`` as the input."""
    document = work / "plan.json"
    document.write_text(json.dumps(plan))
    done = subprocess.run([str(opa), "eval", "--format", "json", "--data", str(policies),
                           "--input", str(document), query], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    results = answer.get("result", [])
    return results[0]["expressions"][0]["value"] if results else None
