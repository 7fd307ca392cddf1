"""The Consul state backend (and requests with it) is imported only when chosen, so
``ncplan --help`` and ``validate`` start without it (bench: about 0.1 s of start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import ncplan.commands.force_unlock, ncplan.commands.state, ncplan.commands.validate
from ncplan.state import open_backend
loaded = sorted(m for m in ("requests", "ncplan.state.backends.consul",
                            "ncplan.transport.consul") if m in sys.modules)
print(",".join(loaded))
"""


def test_state_and_validate_commands_do_not_import_the_consul_backend() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == ""


def test_the_consul_backend_is_still_opened_when_chosen(tmp_path: Path) -> None:
    from ncplan.config.model import BackendConfig, ConsulSettings
    from ncplan.state import open_backend

    manager = open_backend(BackendConfig(kind="consul", path="bench/probe"), tmp_path,
                           ConsulSettings(address="http://127.0.0.1:1"))
    assert type(manager).__name__ == "StateManager"
    assert "ncplan.state.backends.consul" in sys.modules
