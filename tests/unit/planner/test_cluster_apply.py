"""One engine over two clusters: each change goes to its cluster's executor, the order
holds within each cluster, and a failure in one cluster leaves the other's steps to run;
the failure names its cluster."""

from __future__ import annotations

from pathlib import Path

from apply_doubles import Calls, KeepingManager, RecordingExecutor, change, fail, start_state

from ncplan.orchestration.clusters import cluster_executors
from ncplan.planner.engine import Problem, apply_plan
from ncplan.planner.model import Plan

KINDS = ("nomad_job", "consul_intention")


def test_a_failure_in_one_cluster_does_not_stop_the_other(tmp_path: Path) -> None:
    manager = KeepingManager(tmp_path / "ncplan.state.json")
    east_calls, west_calls = Calls(), Calls()
    east = RecordingExecutor(east_calls, behave={"nomad_job.db@east": fail("refused")})
    west = RecordingExecutor(west_calls)
    changes = []
    for cluster in ("east", "west"):
        db, intention = f"nomad_job.db@{cluster}", f"consul_intention.web:db@{cluster}"
        changes += [change(db), change(intention, depends_on=(db,)),
                    change(f"nomad_job.web@{cluster}", depends_on=(intention,))]
    result = apply_plan(Plan(changes=tuple(changes)), start_state(manager), manager,
                        cluster_executors({"east": dict.fromkeys(KINDS, east),
                                           "west": dict.fromkeys(KINDS, west)}))
    assert result.failed == (Problem("nomad_job.db@east", 'cluster "east": refused'),)
    assert [p.address for p in result.skipped] == ["consul_intention.web:db@east",
                                                   "nomad_job.web@east"]
    assert west_calls.started_order == ["write nomad_job.db@west",
                                        "write consul_intention.web:db@west",
                                        "write nomad_job.web@west"]
    assert east_calls.started_order == ["write nomad_job.db@east"]
    on_disk = manager.on_disk()
    assert on_disk is not None and on_disk.addresses == (
        "consul_intention.web:db@west", "nomad_job.db@west", "nomad_job.web@west")
