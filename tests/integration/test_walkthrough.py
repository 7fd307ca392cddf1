"""docs/walkthrough.md, run as a reader pastes it: its setup block, then every `$` command
its console blocks show, each output held to the lines the page prints.

Two things differ from a reader's shell, both stand-ins for what the page's first line
and the agents build provide: the test's own agents replace `eval "$(scripts/agents up)"`,
and the consul binary is the one those agents run. The commands run in a copy of the
example under a temporary directory, so nothing is written into the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from agentlib import Agents

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "docs" / "walkthrough.md"
AGENTS_UP = 'eval "$(scripts/agents up)"'
CONSUL_BINARY = "~/.cache/ncplan/agents/consul-v1.14.11/consul"
SEPARATOR = "=== ncplan-walkthrough-step"


def fenced(text: str, language: str) -> list[str]:
    """The bodies of the page's fenced blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def steps(text: str) -> list[tuple[str, list[str]]]:
    """Each `$ command` of the console blocks with the lines the page shows for it;
    elisions (`(... what was left out ...)`, maybe over several lines) dropped."""
    found: list[tuple[str, list[str]]] = []
    for block in fenced(text, "console"):
        eliding = False
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
                continue
            stripped = line.strip()
            if stripped.startswith("(..."):
                eliding = True
            if not eliding and stripped:
                found[-1][1].append(line)
            if eliding and stripped.endswith(")"):
                eliding = False
    return found


def normal(line: str) -> str:
    """A line with what differs from run to run made generic: durations, indexes, ports."""
    line = re.sub(r"after \d+s", "after Ns", line.rstrip())
    line = re.sub(r"\[index=\d+\]", "[index=N]", line)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:N", line)


def test_the_walkthrough_is_complete_as_a_page() -> None:
    text = WALKTHROUGH.read_text(encoding="utf-8")
    setup = fenced(text, "sh")[0]
    assert setup.startswith(AGENTS_UP + "\n")
    assert CONSUL_BINARY in setup  # where `scripts/agents build` puts it by default
    commands = [command for command, _ in steps(text)]
    assert commands == [
        "ncplan -C examples/connect-on-nomad plan",
        "ncplan -C examples/connect-on-nomad apply --auto-approve",
        'python3 "$demo/see.py"',
        "ncplan -C examples/connect-on-nomad plan",
        "ncplan -C examples/connect-on-nomad destroy --auto-approve",
        "ncplan -C examples/connect-on-nomad graph",
    ]


def test_the_walkthrough_runs_as_written(agents: Agents, wiped: None, tmp_path: Path) -> None:
    text = WALKTHROUGH.read_text(encoding="utf-8")
    setup = fenced(text, "sh")[0]
    setup = setup.replace(AGENTS_UP, f"export CONSUL_HTTP_ADDR={agents.consul_addr} "
                                     f"NOMAD_ADDR={agents.nomad_addr}")
    setup = setup.replace(CONSUL_BINARY, str(agents.consul_binary))
    script = ["set -e", setup]
    for number, (command, _) in enumerate(steps(text)):
        script += [f"echo '{SEPARATOR} {number}'", command]

    work = tmp_path / "checkout"
    shutil.copytree(ROOT / "examples" / "connect-on-nomad",
                    work / "examples" / "connect-on-nomad")
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}",
           "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "NO_COLOR": "1",
           "COLUMNS": "200", "NCPLAN_NO_CACHE": "1"}
    run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=600, check=False)  # a reader's terminal shows both streams
    assert run.returncode == 0, run.stdout[-5000:]

    outputs = re.split(rf"^{SEPARATOR} \d+\n", run.stdout, flags=re.M)[1:]
    assert len(outputs) == len(steps(text))
    for (command, shown), output in zip(steps(text), outputs, strict=True):
        real = {normal(line) for line in output.splitlines()}
        # rollout lines depend on how fast the deployment goes: the page shows one run's
        missing = [line for line in shown
                   if "rollout" not in line and normal(line) not in real]
        assert not missing, f"{command}: lines the page shows but the run did not print:\n" \
            + "\n".join(missing) + "\n--- the run printed:\n" + output
