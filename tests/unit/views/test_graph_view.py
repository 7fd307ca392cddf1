"""``ncplan graph`` output, text (Rich tree), dot and mermaid, compared exactly."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.config.model import Config, Intention, Service, Task, Upstream
from ncplan.resources.desired import lower_config
from ncplan.resources.graph import build_graph
from ncplan.views.graph import graph_dot, graph_mermaid, print_graph_text

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def example(name: str, tmp_path: Path) -> str:
    """A copy of the example: ncplan writes its parse cache beside the files it reads."""
    return str(shutil.copytree(EXAMPLES / name, tmp_path / name))
TASK = Task(driver="raw_exec")
SEED = Config(".", services=(
    Service(name="web", task=TASK, upstreams=(Upstream("db"), Upstream("billing", external=True))),
    Service(name="db", task=TASK, port="tcp", protocol="http"),
), intentions=(Intention("web", "db"),))

SEED_TEXT = """\
Services
├── db
└── web
    ├── -> db
    └── -> billing (external)
Apply order
├── 1.
│   └── nomad_job.db
├── 2.
│   └── consul_service_defaults.db
├── 3.
│   └── consul_intention.web:db
└── 4.
    └── nomad_job.web
"""

EXAMPLE_TEXT = """\
Services
├── db
└── web
    └── -> db
Apply order
├── 1.
│   └── nomad_job.db
├── 2.
│   └── consul_intention.web:db
└── 3.
    └── nomad_job.web
"""


def test_text_tree() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, no_color=True, color_system=None)
    print_graph_text(console, build_graph(SEED, lower_config(SEED)))
    assert out.getvalue() == SEED_TEXT


def test_dot() -> None:
    graph = build_graph(SEED, lower_config(SEED)).resources
    assert graph_dot(graph) == """\
digraph ncplan {
  rankdir = LR;
  node [shape = box];
  "consul_intention.web:db";
  "consul_service_defaults.db";
  "nomad_job.db";
  "nomad_job.web";
  "consul_intention.web:db" -> "consul_service_defaults.db";
  "consul_intention.web:db" -> "nomad_job.db";
  "consul_service_defaults.db" -> "nomad_job.db";
  "nomad_job.web" -> "consul_intention.web:db";
  "nomad_job.web" -> "consul_service_defaults.db";
  "nomad_job.web" -> "nomad_job.db";
}
"""


def test_mermaid() -> None:
    graph = build_graph(SEED, lower_config(SEED)).resources
    assert graph_mermaid(graph) == """\
flowchart LR
  n0["consul_intention.web:db"]
  n1["consul_service_defaults.db"]
  n2["nomad_job.db"]
  n3["nomad_job.web"]
  n0 --> n1
  n0 --> n2
  n1 --> n2
  n3 --> n0
  n3 --> n1
  n3 --> n2
"""


def test_cli_graph_on_the_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad", tmp_path), "--no-color",
                                      "graph"])
    assert result.exit_code == 0, result.output
    assert result.stdout == EXAMPLE_TEXT


def test_cli_graph_on_the_raw_example_shows_web_depending_on_db(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad-raw", tmp_path),
                                      "--no-color", "graph"])
    assert result.exit_code == 0, result.output
    assert result.stdout == EXAMPLE_TEXT


def test_cli_graph_mermaid(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad", tmp_path),
                                      "graph", "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "flowchart LR"


def test_cli_render_one_name_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad", tmp_path), "render", "db"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document["nomad_jobs"]) == ["db"]
    assert document["nomad_jobs"]["db"]["Job"]["ID"] == "db"
    assert document["consul_config_entries"] == [{
        "Kind": "service-intentions", "Name": "db",
        "Sources": [{"Name": "web", "Action": "allow", "Description": "web reads db"}],
    }]


def test_cli_render_unknown_name_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad", tmp_path),
                                      "render", "nope"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no service or job named 'nope'" in result.stderr


def test_cli_render_hcl_is_a_jobspec(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["-C", example("connect-on-nomad", tmp_path), "render", "web",
                                      "--format", "hcl"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('# nomad_job.web\njob "web" {\n')
    assert '"-upstream",\n          "db:${NOMAD_PORT_up_db}",' in result.stdout


def test_cli_render_with_var_override(tmp_path: Path) -> None:
    (tmp_path / "main.hcl").write_text(
        'variable "n" {\n  type = number\n  default = 1\n}\n'
        'service "a" {\n  count = var.n\n  task {\n    driver = "raw_exec"\n  }\n}\n')
    result = CliRunner().invoke(app, ["-C", str(tmp_path), "render", "--var", "n=3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["nomad_jobs"]["a"]["Job"]["TaskGroups"][0]["Count"] == 3
