"""The seed guide's two jobs as the repository holds them: examples/connect-on-nomad-raw keeps
``job "db"`` and ``job "web"`` verbatim from "Connect on Nomad", so the tests need nothing
outside the repository (test_seed_guide_copy.py checks the copy against the guide itself)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RAW_EXAMPLE = ROOT / "examples" / "connect-on-nomad-raw" / "jobs.hcl"
# The shared folder beside the repository, where the seed guide lives (absent in a user's clone).
GUIDE = ROOT.parent / "shared" / "connect-on-nomad-guide.md"


def seed_jobs() -> dict[str, str]:
    """Each top-level ``job "NAME" { ... }`` block of the raw example, by name, as written."""
    text = RAW_EXAMPLE.read_text(encoding="utf-8")
    blocks = re.findall(r"^(job \"(\w+)\" \{\n.*?\n\})$", text, re.S | re.M)
    return {name: block for block, name in blocks}


def guide_jobs(guide_text: str) -> dict[str, str]:
    """The guide's fenced ``hcl`` blocks that hold a job, by name."""
    blocks = re.findall(r"```hcl\n(job \"(\w+)\" \{.*?\n\})\n```", guide_text, re.S)
    return {name: text for text, name in blocks}
