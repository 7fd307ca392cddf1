"""examples/connect-on-nomad-raw made runnable on the test agents.

The raw example is the seed guide's text, passed to Nomad verbatim: its proxies run
/usr/local/bin/consul against the node's agent (CONSUL_HTTP_ADDR, else 127.0.0.1:8500). The
test's copy points that path at a wrapper that runs the agents' consul binary with the
agents' address: the one line a node without /usr/local/bin/consul and an agent on :8500
has to change. (examples/connect-on-nomad takes the same through its variables:
apply_helpers.make_mesh.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from agentlib import Agents

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GUIDE_CONSUL = "/usr/local/bin/consul"


def copy_raw_example(tmp_path: Path, agents: Agents) -> Path:
    """A copy of examples/connect-on-nomad-raw whose proxies reach the agents' Consul."""
    directory = tmp_path / "connect-on-nomad-raw"
    shutil.copytree(EXAMPLES / "connect-on-nomad-raw", directory,
                    ignore=shutil.ignore_patterns(".ncplan"))
    wrapper = tmp_path / "consul"
    wrapper.write_text(f"#!/bin/sh\nCONSUL_HTTP_ADDR={agents.consul_addr} "
                       f'exec {agents.consul_binary} "$@"\n')
    wrapper.chmod(0o755)
    jobs = directory / "jobs.hcl"
    text = jobs.read_text()
    assert text.count(f'command = "{GUIDE_CONSUL}"') == 2, "the guide's two proxies"
    jobs.write_text(text.replace(GUIDE_CONSUL, str(wrapper)))
    return directory
