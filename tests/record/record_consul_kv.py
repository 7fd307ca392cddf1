"""Record Consul's KV rules from the real agent into tests/unit/state/fixtures/.

    PYTHONPATH=$PWD python3 tests/record/record_consul_kv.py

Starts a dev pair on free ports (scripts/devagents.py), runs the scenario of
tests/unit/state/consul_kv_rules.py through ncplan's own ``ConsulKV`` client, writes what
each step gave to ``consul_kv_rules.json`` and stops the pair. The in-memory KV of the unit
tests must give the very same outcomes (test_state_consul_unit.py checks it).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "state"))

import devagents  # noqa: E402
from consul_kv_rules import FIXTURE, run_scenario  # noqa: E402

from ncplan.state.backends.consul_kv import ConsulKV  # noqa: E402
from ncplan.transport.consul import ConsulHttpSettings  # noqa: E402


def main() -> int:
    pair = devagents.start()
    try:
        kv = ConsulKV(ConsulHttpSettings(address=pair.consul_addr))
        version = devagents.agent_version(Path(pair.consul_binary))
        prefix = f"ncplan-rules/{uuid.uuid4().hex[:8]}"
        outcomes = run_scenario(kv, prefix)
    finally:
        pair.stop()
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps({"consul": version, "prefix": prefix,
                                       "steps": outcomes}, indent=1) + "\n")
    print(f"wrote {FIXTURE.relative_to(ROOT)}: {len(outcomes)} steps from {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
