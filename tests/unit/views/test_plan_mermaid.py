"""The pull-request comment draws the changed part of the mesh: a ```mermaid block
(``graph LR``) above the per-resource details, every node styled by a class the block
defines, an edge for each need; no picture when nothing changes."""

from __future__ import annotations

import re

import pytest
from plan_cases import CASES

from ncplan.views.plan_markdown import plan_markdown

NODE = re.compile(r'^  (n\d+)\["(.*)"\]:::(\w+)$')
EDGE = re.compile(r"^  (n\d+) --> (n\d+)$")
CLASS = re.compile(r"^  classDef (\w+) \S+$")


def mermaid_block(text: str) -> list[str]:
    start = text.index("```mermaid\n")
    end = text.index("\n```\n", start)
    return text[start:end].splitlines()[1:]


@pytest.mark.parametrize("name", ["create", "update", "replace", "delete", "destroy",
                                  "sensitive", "many", "adopted"])
def test_every_node_has_a_defined_class_and_the_graph_comes_first(name: str) -> None:
    text = plan_markdown(CASES[name]())
    block = mermaid_block(text)
    assert block[0] == "graph LR"
    nodes = {m.group(1): m.group(3) for m in map(NODE.match, block) if m}
    classes = {m.group(1) for m in map(CLASS.match, block) if m}
    edges = [m.groups() for m in map(EDGE.match, block) if m]
    assert len(nodes) + len(classes) + len(edges) == len(block) - 1
    assert set(nodes.values()) == classes
    assert all(a in nodes and b in nodes for a, b in edges)
    assert text.index("```mermaid") < text.index("### Changes")


def test_each_action_has_its_own_class() -> None:
    text = plan_markdown(CASES["many"]())
    block = mermaid_block(text)
    labels = {m.group(2): m.group(3) for m in map(NODE.match, block) if m}
    assert labels["~ nomad_job.web"] == "update"
    assert labels["+ nomad_job.worker-00"] == "create"
    assert plan_markdown(CASES["replace"]()).count(":::replace") == 1
    assert plan_markdown(CASES["delete"]()).count(":::delete") == 1


def test_an_adopted_object_is_drawn_as_its_import_or_record() -> None:
    text = plan_markdown(CASES["adopted"]())
    labels = {m.group(2): m.group(3) for m in map(NODE.match, mermaid_block(text)) if m}
    assert labels == {"import consul_intention.web:db": "import",
                      "record nomad_job.web": "record", "nomad_job.db": "unchanged"}
    assert "`import` adopted into the state" in text and "`record` recorded" in text


def test_needed_unchanged_resources_are_drawn_plain() -> None:
    block = mermaid_block(plan_markdown(CASES["create"]()))
    labels = {m.group(2): m.group(3) for m in map(NODE.match, block) if m}
    assert labels["nomad_job.db"] == "unchanged"


@pytest.mark.parametrize("name", ["no_changes", "refresh_only"])
def test_no_picture_without_changes(name: str) -> None:
    assert "```mermaid" not in plan_markdown(CASES[name]())


def test_many_changes_fold_under_one_summary() -> None:
    text = plan_markdown(CASES["many"]())
    changes = text[text.index("### Changes"):]
    assert changes.startswith("### Changes\n\n<details><summary>14 resources</summary>")
    assert changes.rstrip().endswith("</details>\n\n</details>")
    few = plan_markdown(CASES["update"]())
    assert "resources</summary>" not in few
