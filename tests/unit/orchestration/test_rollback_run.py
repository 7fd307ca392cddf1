"""A job's restore in a rollback: Nomad's revert to the version the state recorded before
the run, only while the job is still as this run left it (the revert itself carries
``EnforcePriorVersion``). The doubles record the calls; the revert against the real Nomad
is tests/integration/test_apply_rollback.py."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from ncplan.errors import CheckAndSetConflict, NcplanError
from ncplan.orchestration.rollback_run import (
    JobRevertExecutor,
    RecordWriteGuard,
    restoring_executors,
)
from ncplan.planner.engine import Written
from ncplan.planner.model import Action, ResourceChange
from ncplan.planner.redaction import MARKER
from ncplan.providers.live import LiveJob
from ncplan.providers.nomad_job_versions import JobVersion, is_enforce_version_conflict
from ncplan.state.model import ResourceState, State

WEB = "nomad_job.web"


@dataclass
class Jobs:
    live: LiveJob | None

    def read(self, name: str) -> LiveJob | None:
        return self.live


@dataclass
class Versions:
    kept: tuple[JobVersion, ...]
    reverts: list[tuple[str, int, int]] = field(default_factory=list)

    def versions(self, name: str) -> tuple[JobVersion, ...]:
        return self.kept

    def revert(self, name: str, version: int, enforce_prior_version: int) -> int:
        self.reverts.append((name, version, enforce_prior_version))
        return 99


@dataclass
class Inner:
    writes: list[ResourceChange] = field(default_factory=list)

    def write(self, change: ResourceChange) -> Written:
        self.writes.append(change)
        return Written(ResourceState(change.address, change.kind, change.name, {}, 7))

    def delete(self, change: ResourceChange) -> None:
        raise AssertionError("not here")


BEFORE = State.new([ResourceState(WEB, "nomad_job", "web", {"ID": "web", "v": 1}, 40)])
RESTORE = ResourceChange(address=WEB, kind="nomad_job", name="web", action=Action.UPDATE,
                         before={"ID": "web", "v": 2}, after={"ID": "web", "v": 1},
                         observed_index=50, reason="rollback")


def executor(live_index: int | None, kept: tuple[JobVersion, ...] = (
        JobVersion(4, 50), JobVersion(3, 40), JobVersion(2, 30))) -> tuple[
            JobRevertExecutor, Versions, Inner]:
    live = None if live_index is None else LiveJob(
        "web", {"ID": "web", "Version": 4}, live_index)
    versions, inner = Versions(kept), Inner()
    found = JobRevertExecutor(inner, Jobs(live), versions, BEFORE)  # type: ignore[arg-type]
    return found, versions, inner


def test_an_update_reverts_to_the_version_written_at_the_recorded_index() -> None:
    found, versions, inner = executor(50)
    written = found.write(RESTORE)
    assert versions.reverts == [("web", 3, 4)]  # to v3, while v4 (ours) is current
    assert written.state.observed_index == 99 and dict(written.state.attributes) == {
        "ID": "web", "v": 1}
    assert inner.writes == []


@pytest.mark.parametrize("live_index", [51, None])
def test_a_job_another_writer_changed_or_deleted_is_not_reverted(
        live_index: int | None) -> None:
    found, versions, inner = executor(live_index)
    with pytest.raises(CheckAndSetConflict, match=r"index 50 -> (51|deleted)"):
        found.write(RESTORE)
    assert versions.reverts == [] and inner.writes == []


def test_without_the_old_version_the_recorded_body_is_registered_again() -> None:
    found, versions, inner = executor(50, kept=(JobVersion(0, 50),))
    found.write(RESTORE)
    assert versions.reverts == [] and inner.writes == [RESTORE]


def test_creates_go_to_the_ordinary_executor() -> None:
    found, versions, inner = executor(50)
    create = ResourceChange(address=WEB, kind="nomad_job", name="web", action=Action.CREATE,
                            after={"ID": "web"})
    found.write(create)
    assert inner.writes == [create] and versions.reverts == []


def test_nomads_stale_prior_version_answer_is_a_conflict() -> None:
    body: Any = "current job has version 5; enforcing version 4"
    assert is_enforce_version_conflict(500, body)
    assert not is_enforce_version_conflict(500, "rpc error: no leader")


def test_a_record_with_redacted_values_is_not_written_back() -> None:
    inner = Inner()
    guarded = restoring_executors({"consul_service_defaults": inner},  # type: ignore[dict-item]
                                  Jobs(None), BEFORE, frozenset())  # type: ignore[arg-type]
    secret = ResourceChange(address="consul_service_defaults.db",
                            kind="consul_service_defaults", name="db", action=Action.CREATE,
                            after={"Meta": {"token": MARKER}}, reason="rollback")
    with pytest.raises(NcplanError, match="sensitive values the state does not keep"):
        guarded["consul_service_defaults"].write(secret)
    assert inner.writes == []
    plain = replace(secret, after={"Meta": {"token": "public"}})
    guarded["consul_service_defaults"].write(plain)
    assert inner.writes == [plain]


def test_without_the_old_version_a_redacted_job_record_is_not_registered() -> None:
    found, versions, inner = executor(50, kept=(JobVersion(0, 50),))
    found.inner = RecordWriteGuard(inner)
    with pytest.raises(NcplanError, match="sensitive values"):
        found.write(replace(RESTORE, after={"ID": "web", "Env": {"TOKEN": MARKER}}))
    assert inner.writes == [] and versions.reverts == []
