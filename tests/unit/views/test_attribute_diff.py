"""The attribute-diff walk and Nomad's plan lines, on small values built here."""

from __future__ import annotations

from typing import Any

from ncplan.planner.redaction import diff_mask, hide, mask_of, masked_texts
from ncplan.providers.live import GroupAnnotation, PlacementFailure
from ncplan.views.attribute_diff import DiffLine, Sides, resource_lines
from ncplan.views.nomad_diff import annotation_text, failure_reasons, failure_title, job_diff_lines
from ncplan.views.plan_markdown import diff_block


def lines(before: Any, after: Any, sign: str = "~", before_mask: Any = False,
          after_mask: Any = False, **kwargs: Any) -> list[str]:
    result = resource_lines("nomad_job", "web", sign, Sides(before, after, before_mask,
                                                            after_mask), **kwargs)
    return [line.plain() for line in result]


def test_reordered_named_objects_are_no_change() -> None:
    groups = [{"Name": "a", "Count": 1}, {"Name": "b", "Count": 2}]
    assert lines({"TaskGroups": groups}, {"TaskGroups": groups[::-1]}) == [
        '  ~ resource "nomad_job" "web" {',
        "        # (1 unchanged attribute hidden)",
        "    }"]


def test_named_object_change_keeps_its_name_and_hides_the_rest() -> None:
    before = {"TaskGroups": [{"Name": "a", "Count": 1, "Meta": {"x": "1"}},
                             {"Name": "b", "Count": 1}]}
    after = {"TaskGroups": [{"Name": "a", "Count": 2, "Meta": {"x": "1"}},
                            {"Name": "c", "Count": 1}]}
    assert lines(before, after)[1:] == [
        "      ~ TaskGroups = [",
        "          ~ {",
        "              ~ Count = 1 -> 2",
        '                Name  = "a"',
        "                # (1 unchanged attribute hidden)",
        "            },",
        "          + {",
        "              + Count = 1",
        '              + Name  = "c"',
        "            },",
        "          - {",
        "              - Count = 1 -> null",
        '              - Name  = "b" -> null',
        "            },",
        "        ]",
        "    }"]


def test_scalar_lists_diff_by_item_and_a_shape_change_is_remove_then_add() -> None:
    assert lines({"args": ["-c", "a"], "x": 1}, {"args": ["-c", "b"], "x": [1]})[1:] == [
        "      ~ args = [",
        '          - "a",',
        '          + "b",',
        "            # (1 unchanged element hidden)",
        "        ]",
        "      - x    = 1 -> null",
        "      + x    = [",
        "          + 1,",
        "        ]",
        "    }"]


def test_sensitive_leaves_in_maps_and_lists() -> None:
    before = {"Env": {"PW": "old"}, "Args": ["a", "s1"]}
    after = {"Env": {"PW": "new"}, "Args": ["a", "s2"]}
    mask = {"Env": {"PW": True}, "Args": [False, True]}
    assert lines(before, after, before_mask=mask, after_mask=mask)[1:] == [
        "      ~ Args = [",
        "          - (sensitive value),",
        "          + (sensitive value),",
        "            # (1 unchanged element hidden)",
        "        ]",
        "      ~ Env  = {",
        "          ~ PW = (sensitive value)",
        "        }",
        "    }"]
    created = "\n".join(lines(None, after, "+", after_mask=mask))
    assert "+ PW = (sensitive value)" in created and "+ (sensitive value)," in created


def test_forces_replacement_marker() -> None:
    assert lines({"Type": "service", "ID": "web"}, {"Type": "batch", "ID": "web"}, "-/+",
                 replace_paths=("Type",)) == [
        '-/+ resource "nomad_job" "web" {',
        '      ~ Type = "service" -> "batch" # forces replacement',
        "        # (1 unchanged attribute hidden)",
        "    }"]


def test_masks_and_leaves_agree() -> None:
    value = {"Env": {"PW": "hunter2x", "M": "hi"}, "Args": ["--pw=hunter2x", "a"], "On": True}
    mask = mask_of(value, frozenset({"hunter2x"}))
    assert mask == {"Env": {"PW": True}, "Args": [True, False]}
    assert masked_texts(value, mask) == {"hunter2x", "--pw=hunter2x"}
    assert mask_of(value, frozenset()) is False


def test_nomad_diff_masks_secrets_and_skips_unchanged_parts() -> None:
    diff = {"Type": "Edited", "Fields": [
        {"Type": "Edited", "Name": "Priority", "Old": "50", "New": "60", "Annotations": None},
        {"Type": "None", "Name": "Region", "Old": "global", "New": "global"}],
        "TaskGroups": [{"Type": "None", "Name": "idle", "Tasks": [{"Type": "None"}]},
                       {"Type": "Edited", "Name": "web", "Fields": [
                           {"Type": "Deleted", "Name": "Meta[token]", "Old": "tok-s3cr3t",
                            "New": ""}]}]}
    shown = hide(diff, diff_mask(diff, frozenset({"s3cr3t"})))
    assert [line.plain() for line in job_diff_lines(shown, 1)] == [
        '      ~ Priority: "50" => "60"',
        '      ~ group "web" {',
        "          - Meta[token]: (sensitive value)",
        "        }"]


def test_annotation_words() -> None:
    every = GroupAnnotation("web", place=1, in_place_update=2, destructive_update=3, stop=4,
                            migrate=5, canary=6, ignore=7, preemptions=8)
    assert annotation_text(every) == (
        "web: 1 create, 3 destructive update, 2 in-place update, 4 stop, 5 migrate, "
        "6 canary, 7 ignore, 8 preemption")
    assert annotation_text(GroupAnnotation("db")) == "db: no change"


def test_failure_reasons() -> None:
    failure = PlacementFailure("web", nodes_evaluated=3, nodes_filtered=1, nodes_exhausted=2,
                               constraint_filtered={"${attr.kernel.name} = plan9": 1},
                               class_filtered={"gpu": 1},
                               dimension_exhausted={"memory": 2}, coalesced_failures=2)
    assert failure_title(failure) == 'group "web" cannot be placed (3 allocations)'
    assert failure_reasons(failure) == [
        'constraint "${attr.kernel.name} = plan9" filtered 1 node',
        'node class "gpu" filtered 1 node',
        'dimension "memory" exhausted on 2 nodes',
        "3 nodes evaluated, 1 filtered, 2 exhausted"]


def test_markdown_fence_outgrows_backticks_in_values() -> None:
    block = diff_block([DiffLine(1, "+", 'cmd = "```"'), DiffLine(0, "~", "x {")])
    assert block == '````diff\n+     cmd = "```"\n! x {\n````'
