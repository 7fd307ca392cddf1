"""Every address ncplan prints pastes unquoted into a POSIX shell, and every hint that
shows a command works as pasted: the hints are run here through ``bash -c``.

``consul_intention.web->db`` once made a file named ``db`` (the ``>`` redirects) and
``ncplan state rm`` then looked for ``consul_intention.web-``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ncplan.address import intention_address
from ncplan.cli import app
from ncplan.config import load_config
from ncplan.resources.desired import lower_config

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = [ROOT / "examples" / name for name in  # acl/ and gitops/ hold no configuration
            ("connect-on-nomad", "connect-on-nomad-raw", "envoy-mesh", "jobspec-mesh")]
# --no-refresh plans, import's own checks and state commands reach no agent.
UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:1", "CONSUL_HTTP_ADDR": "http://127.0.0.1:1",
               "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1"}
LINEAGE = "8a3c7c52-5a0e-4a8e-9c55-0d0f4c1e2b11"
CONFIG = """
service "db" {
  port = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/bin/db" }
  }
}
service "web" {
  task {
    driver = "raw_exec"
    config = { command = "/bin/web" }
  }
  upstream "db" {}
}
intention "web" "db" { action = "allow" }
intention "*" "db" { action = "deny" }
"""
ADDRESS = re.compile(r"\b(?:nomad_job|nomad_variable|consul_\w+)\.[^\s`'\",)]+")


def _bash(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` run by a plain bash (no rc files), with ncplan of this interpreter on PATH."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(cwd),
           **UNREACHABLE}
    return subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _printed_addresses() -> list[str]:
    found = {intention_address(*pair) for pair in [("*", "db"), ("web", "*"), ("*", "*")]}
    for example in EXAMPLES:
        config = load_config(example, use_cache=False).config
        found.update(r.address for r in lower_config(config, True))
    return sorted(found)


def _config(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "main.hcl").write_text(CONFIG)
    return directory


def _state(directory: Path, *addresses: str) -> Path:
    path = directory / "ncplan.state.json"
    resources = [{"address": a, "kind": a.partition(".")[0], "id": a.partition(".")[2],
                  "attributes": {}, "observed_index": 5, "dependencies": []}
                 for a in addresses]
    path.write_text(json.dumps({"version": 3, "ncplan_version": "0.1.0", "serial": 2,
                                "lineage": LINEAGE, "resources": resources}))
    return path


def _addresses_in_state(path: Path) -> list[str]:
    return [r["address"] for r in json.loads(path.read_text())["resources"]]


def test_every_address_is_one_shell_word_with_no_glob_or_redirection() -> None:
    addresses = _printed_addresses()
    assert "consul_intention.ALL:db" in addresses and "consul_intention.web:db" in addresses
    for address in addresses:
        assert re.fullmatch(r"[A-Za-z0-9_.:@%+=,/-]+", address), address
        assert shlex.split(address) == [address]


def test_bash_takes_every_address_unchanged_even_where_a_glob_would_fail(
        tmp_path: Path) -> None:
    """failglob: a word with an unmatched glob is an error (zsh's default behaves so)."""
    addresses = _printed_addresses()
    script = "shopt -s failglob; printf '%s\\n' " + " ".join(addresses)
    done = _bash(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == addresses
    assert list(tmp_path.iterdir()) == []  # nothing redirected into a file


def test_the_plan_prints_only_shell_safe_addresses(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    planned = CliRunner().invoke(app, ["-C", str(directory), "plan", "--no-refresh"],
                                 env=UNREACHABLE)
    assert planned.exit_code == 0, planned.stderr
    printed = set(ADDRESS.findall(planned.stdout))
    assert {"consul_intention.ALL:db", "consul_intention.web:db", "nomad_job.db"} <= printed
    assert all(shlex.split(a) == [a] and "*" not in a for a in printed), printed
    assert "->db" not in planned.stdout


def test_state_rm_pasted_unquoted_removes_the_intention(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    path = _state(directory, "consul_intention.web:db", "consul_intention.ALL:db",
                  "nomad_job.db")
    listed = _bash("ncplan state list", directory)
    assert listed.returncode == 0, listed.stderr
    for address in listed.stdout.split():
        assert shlex.split(address) == [address]
    removed = _bash("ncplan state rm consul_intention.web:db consul_intention.ALL:db",
                    directory)
    assert removed.returncode == 0, removed.stderr
    assert _addresses_in_state(path) == ["nomad_job.db"]
    assert sorted(p.name for p in directory.iterdir()) == [
        ".ncplan.state.json.lock", "main.hcl", "ncplan.state.json",
        "ncplan.state.json.backup"]


@pytest.mark.parametrize("spelling", ["'consul_intention.web->db'",
                                      "'consul_intention.*:db'", "'consul_intention.ALL->db'"])
def test_the_older_spellings_are_still_read(tmp_path: Path, spelling: str) -> None:
    directory = _config(tmp_path)
    path = _state(directory, "consul_intention.web:db", "consul_intention.ALL:db")
    removed = _bash(f"ncplan state rm {spelling}", directory)
    assert removed.returncode == 0, removed.stderr
    assert len(_addresses_in_state(path)) == 1


def _hint(stderr: str) -> str:
    """The command a hint shows: the text between backticks, else after ``Hint:``."""
    line = next(line for line in stderr.splitlines() if "ncplan " in line and "rror" not in line)
    quoted = re.search(r"`([^`]+)`", line)
    return quoted.group(1) if quoted else line[line.index("ncplan "):].strip()


def test_the_import_hints_work_as_pasted(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    path = _state(directory, "consul_intention.ALL:db")
    wrong = _bash("ncplan import consul_intention.ALL:db db", directory)
    assert wrong.returncode == 1
    assert "manages the object with ID 'ALL:db', not 'db'" in wrong.stderr
    hinted = _hint(wrong.stderr)
    assert hinted == "ncplan import consul_intention.ALL:db ALL:db"
    # The hinted import passes the ID check; the address is already in the state.
    again = _bash(hinted, directory)
    assert again.returncode == 1
    assert "consul_intention.ALL:db is already in the state" in again.stderr, again.stderr
    forget = _hint(again.stderr)
    assert forget == "ncplan state rm consul_intention.ALL:db"
    done = _bash(forget, directory)
    assert done.returncode == 0, done.stderr
    assert _addresses_in_state(path) == []


def test_import_reads_the_older_id_spelling(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    _state(directory, "consul_intention.web:db")
    older = _bash("ncplan import 'consul_intention.web->db' 'web->db'", directory)
    assert older.returncode == 1
    assert "consul_intention.web:db is already in the state" in older.stderr, older.stderr


def test_a_target_hint_names_addresses_as_the_shell_takes_them(tmp_path: Path) -> None:
    directory = _config(tmp_path)
    shutil.copy(directory / "main.hcl", tmp_path / "copy.hcl")
    planned = _bash("ncplan plan --no-refresh --target consul_intention.ALL:db", directory)
    assert planned.returncode == 0, planned.stderr
    assert "# consul_intention.ALL:db will be created" in planned.stdout
    unknown = _bash("ncplan plan --no-refresh --target nomad_job.nope", directory)
    assert unknown.returncode == 1
    assert "consul_intention.web:db" in unknown.stderr
