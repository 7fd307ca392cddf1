"""The real jobspecs of ../shared/real-jobs validate unchanged and show their edges,
without Nomad (their dependencies read from the HCL text). See real_jobs.py for where
the files come from and when these tests skip."""

from __future__ import annotations

from pathlib import Path

import pytest
from real_jobs import CASES, DYNAMIC_11, Case, lay_out
from typer.testing import CliRunner

from ncplan.cli import app
from ncplan.config import load_config
from ncplan.config.rawjob import is_partial_note
from ncplan.resources.graph import ServiceGraph

UNREACHABLE = {"NOMAD_ADDR": "http://127.0.0.1:9", "NO_COLOR": "1", "NCPLAN_NO_CACHE": "1",
               "COLUMNS": "200"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.folder)
def test_each_real_jobspec_validates_and_shows_its_edges(case: Case, tmp_path: Path) -> None:
    directory = lay_out(case, tmp_path)
    result = load_config(directory, env={}, use_cache=False)
    assert tuple(sorted(j.name for j in result.config.jobs)) == case.jobs
    graph = ServiceGraph.of(result.config)
    for job, upstream in case.edges:
        assert upstream in graph.upstreams[job], (job, graph.upstreams[job])
    partial = [w.address for w in result.warnings if is_partial_note(w)]
    assert partial == (["nomad_job.grapl-core"] if case.folder.startswith("11") else [])
    validated = CliRunner().invoke(app, ["-C", str(directory), "validate"], env=UNREACHABLE)
    assert validated.exit_code == 0, validated.output


def test_without_nomad_the_graph_of_dynamic_upstreams_says_it_is_partial(tmp_path: Path) -> None:
    directory = lay_out(CASES[6], tmp_path)
    shown = CliRunner().invoke(app, ["-C", str(directory), "graph"], env=UNREACHABLE)
    assert shown.exit_code == 0, shown.output
    assert 'Warning: the graph is partial: job "grapl-core" has dynamic blocks' in shown.stderr
    assert "-> plugin-work-queue (in this job)" in shown.stdout  # its own group's service
    assert not any(name in shown.stdout for name in DYNAMIC_11)


def test_a_missing_value_for_a_real_jobspec_names_the_file_and_variable(tmp_path: Path) -> None:
    directory = lay_out(CASES[6], tmp_path)
    values = directory / "values.ncvars.hcl"
    values.write_text("\n".join(line for line in values.read_text().splitlines()
                                if not line.startswith("aws_region")))
    shown = CliRunner().invoke(app, ["-C", str(directory), "validate"], env=UNREACHABLE)
    assert shown.exit_code == 1
    assert ('Error: grapl-core.nomad.hcl: variable "aws_region" of the jobspec has no value'
            in shown.output)
