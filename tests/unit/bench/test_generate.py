"""The benchmark generator: shapes, edges, the split into files of 50, one changed service."""

from __future__ import annotations

from pathlib import Path

import generate
import pytest
from generate import Shape, Spec

from ncplan.config import load_config
from ncplan.resources.desired import lower_config
from ncplan.resources.payloads import payload_document


def test_chain_edges_call_the_previous_service() -> None:
    assert generate.edges(Spec(4)) == [(1, 0), (2, 1), (3, 2)]
    assert generate.edges(Spec(1)) == []


def test_tree_edges_fan_out_from_each_parent() -> None:
    assert generate.edges(Spec(8, Shape.TREE, fanout=3)) == [
        (0, 1), (0, 2), (0, 3), (1, 4), (1, 5), (1, 6), (2, 7)]
    assert generate.edges(Spec(3, Shape.TREE, fanout=1)) == [(0, 1), (1, 2)]
    with pytest.raises(ValueError):
        generate.edges(Spec(3, Shape.TREE, fanout=0))


def _document(directory: Path) -> dict[str, object]:
    config = load_config(directory, env={}).config
    return dict(payload_document(lower_config(config)))


def test_chain_of_120_is_three_files_one_job_each_and_one_entry_per_callee(
        tmp_path: Path) -> None:
    generate.generate(tmp_path, Spec(120))
    files = sorted(p.name for p in tmp_path.glob("services-*.hcl"))
    assert files == ["services-0000.hcl", "services-0001.hcl", "services-0002.hcl"]
    counts = [(tmp_path / f).read_text().count('service "svc-') for f in files]
    assert counts == [50, 50, 20]
    document = _document(tmp_path)
    jobs = document["nomad_jobs"]
    assert isinstance(jobs, dict) and len(jobs) == 120
    assert all(job["Job"]["TaskGroups"][0]["Count"] == 0 for job in jobs.values())
    entries = document["consul_config_entries"]
    assert isinstance(entries, list)
    assert sorted(e["Name"] for e in entries) == sorted(f"svc-{i}" for i in range(119))
    assert {e["Kind"] for e in entries} == {"service-intentions"}
    assert all([s["Name"] for s in e["Sources"]] == [f"svc-{int(e['Name'][4:]) + 1}"]
               for e in entries)


def test_tree_entries_hold_one_source_per_caller(tmp_path: Path) -> None:
    generate.generate(tmp_path, Spec(13, Shape.TREE, fanout=3))
    entries = _document(tmp_path)["consul_config_entries"]
    assert isinstance(entries, list)
    by_name = {e["Name"]: [s["Name"] for s in e["Sources"]] for e in entries}
    assert len(by_name) == 12  # every service but the root is called
    assert by_name["svc-4"] == ["svc-1"] and by_name["svc-12"] == ["svc-3"]


def test_external_root_and_count_for_the_validate_benchmark(tmp_path: Path) -> None:
    generate.generate(tmp_path, Spec(2, count=1, external_root=True))
    text = (tmp_path / "services-0000.hcl").read_text()
    assert 'upstream "external-db" {\n    external = true\n  }' in text
    assert "count    = 1" in text
    assert len(load_config(tmp_path, env={}).config.services) == 2


def test_change_one_rewrites_only_the_file_of_that_service(tmp_path: Path) -> None:
    spec = Spec(120)
    generate.generate(tmp_path, spec)
    before = {p.name: p.read_text() for p in tmp_path.glob("*.hcl")}
    changed = generate.change_one(tmp_path, spec, 60)
    after = {p.name: p.read_text() for p in tmp_path.glob("*.hcl")}
    assert changed.changed == 60
    assert [n for n in before if before[n] != after[n]] == ["services-0001.hcl"]
    jobs = _document(tmp_path)["nomad_jobs"]
    assert isinstance(jobs, dict)
    revisions = {name: job["Job"]["Meta"]["revision"] for name, job in jobs.items()}
    assert revisions.pop("svc-60") == "2"
    assert set(revisions.values()) == {"1"}


def test_layered_tiers_split_the_services_and_each_calls_fanout_of_the_next() -> None:
    assert generate.tier_bounds(12, 5) == [range(0, 3), range(3, 6), range(6, 8),
                                           range(8, 10), range(10, 12)]
    found = generate.edges(Spec(500, Shape.LAYERED, fanout=3, tiers=5))
    assert len(found) == 400 * 3  # every service but the last tier's calls 3
    tiers = generate.tier_bounds(500, 5)
    tier_of = {i: t for t, members in enumerate(tiers) for i in members}
    assert all(tier_of[callee] == tier_of[caller] + 1 for caller, callee in found)
    callers: dict[int, int] = {}
    for _, callee in found:
        callers[callee] = callers.get(callee, 0) + 1
    assert set(callers.values()) == {3} and len(callers) == 400  # tiers 1..4, 3 callers each
    assert generate.edges(Spec(10, Shape.LAYERED, fanout=3, tiers=5))[:4] == [
        (0, 2), (0, 3), (1, 2), (1, 3)]  # a tier of 2: both of the next, not 3


def test_layered_entries_have_one_source_per_caller(tmp_path: Path) -> None:
    generate.generate(tmp_path, Spec(20, Shape.LAYERED, fanout=3, tiers=5))
    entries = _document(tmp_path)["consul_config_entries"]
    assert isinstance(entries, list)
    by_name = {e["Name"]: sorted(s["Name"] for s in e["Sources"]) for e in entries}
    assert by_name["svc-4"] == ["svc-0", "svc-2", "svc-3"]  # tier 0 is svc-0..3
    assert len(by_name) == 16
