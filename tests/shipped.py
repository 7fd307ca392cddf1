"""Run an example's script the way its own docs run it, with that environment and nothing
more: the ncplan command this test run installed on PATH (as `pip install ncplan` puts it
there), none of ncplan's test-only switches. Bounded in time and memory, so a script that
calls itself fails the test in seconds instead of eating the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

MEMORY = 2 << 30  # address space per process: ncplan needs a few hundred MB at most


def scripts_dir() -> Path:
    """Where this environment's `pip install` put the `ncplan` command."""
    scripts = Path(sysconfig.get_path("scripts"))
    assert (scripts / "ncplan").is_file(), f"ncplan is not installed in {scripts}"
    return scripts


def shipped_env(home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """PATH with ncplan on it, HOME, and the settings the docs show; NCPLAN is not set."""
    return {"PATH": f"{scripts_dir()}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
            **settings}


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_shipped(command: Sequence[str], cwd: Path, env: Mapping[str, str],
                timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), cwd=cwd, env=dict(env), capture_output=True,
                          text=True, timeout=timeout, check=False, preexec_fn=_bounded)
