"""The seed guide's two jobs as the repository holds them: examples/connect-on-nomad-raw keeps
``job "db"`` and ``job "web"`` from "Connect on Nomad" with one change, written down here:
the two app tasks are made runnable (the guide's db runs a hypothetical
``/usr/local/bin/my-database``; its web task is ``# ... typical configuration.`` with no
driver, which Nomad rejects). Everything else, every Connect part included (groups, ports,
the proxy tasks and their flags, web's DATABASE_URL), is the guide's text verbatim, laid out
in the canonical style (``ncplan fmt``; the guide indents by four):
:func:`as_in_guide` undoes exactly the change, and test_seed_guide_copy.py checks the result
against the guide itself, so the tests need nothing outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RAW_EXAMPLE = ROOT / "examples" / "connect-on-nomad-raw" / "jobs.hcl"
# In the shared folder beside the repository (absent in a user's clone): see real_jobs.shared.
GUIDE_NAME = "connect-on-nomad-guide.md"

GUIDE_DB_APP = '''\
        command = "/usr/local/bin/my-database"
        args    = ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
'''
# A TCP echo server from python3's standard library, bound where the guide binds its database.
EXAMPLE_DB_APP = '''\
        command = "python3"
        args    = ["-c", "import socketserver as s, sys; h, p = sys.argv[2].rsplit(':', 1); s.ThreadingTCPServer((h, int(p)), type('Echo', (s.BaseRequestHandler,), {'handle': lambda self: [self.request.sendall(b) for b in iter(lambda: self.request.recv(4096), b'')]})).serve_forever()", "-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
'''  # noqa: E501
GUIDE_WEB_APP = '''\
      # ... typical configuration.
'''
EXAMPLE_WEB_APP = '''\
      driver = "raw_exec"

      config {
        command = "sleep"
        args    = ["2147483647"]
      }
'''
# job name -> (the example's text, the guide's text): the one change, each exactly once.
APP_TASK_CHANGES = {"db": (EXAMPLE_DB_APP, GUIDE_DB_APP), "web": (EXAMPLE_WEB_APP, GUIDE_WEB_APP)}


def seed_jobs() -> dict[str, str]:
    """Each top-level ``job "NAME" { ... }`` block of the raw example, by name, as written."""
    text = RAW_EXAMPLE.read_text(encoding="utf-8")
    blocks = re.findall(r"^(job \"(\w+)\" \{\n.*?\n\})$", text, re.S | re.M)
    return {name: block for block, name in blocks}


def as_in_guide(jobs: dict[str, str]) -> dict[str, str]:
    """The example's jobs with the app-task change undone: the guide's jobs, if nothing else
    differs. Fails when the change is not found exactly once in its job."""
    guide = {}
    for name, text in jobs.items():
        example, original = APP_TASK_CHANGES[name]
        assert text.count(example) == 1, f"job {name!r}: the runnable app task was not found"
        guide[name] = text.replace(example, original)
    return guide


def guide_jobs(guide_text: str) -> dict[str, str]:
    """The guide's fenced ``hcl`` blocks that hold a job, by name."""
    blocks = re.findall(r"```hcl\n(job \"(\w+)\" \{.*?\n\})\n```", guide_text, re.S)
    return {name: text for text, name in blocks}
