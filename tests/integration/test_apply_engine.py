"""The apply engine and the check-and-set executors against the real Consul and Nomad.

Plans are made by hand from the lowered resources of examples/connect-on-nomad (renamed
with a unique suffix so tests sharing the agents never collide); jobs are registered
without waiting for their rollouts (the example's commands do not exist on this machine).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from agentlib import Agents
from purging import purge_jobs

from ncplan.address import parse_address
from ncplan.config.loader import load_config
from ncplan.config.model import Config, NomadSettings
from ncplan.orchestration.executors import executors
from ncplan.orchestration.rollout import RolloutWaiter
from ncplan.planner.build import build_plan, request_for
from ncplan.planner.engine import ApplyOptions, ApplyResult, Problem, apply_plan
from ncplan.planner.model import Action, Plan, ResourceChange
from ncplan.providers.clients import Providers
from ncplan.providers.consul_acl_token import ConsulAclTokens
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.live import Refreshed
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_variable import NomadVariables
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.state.backends.local import open_local
from ncplan.state.manager import StateManager
from ncplan.state.model import ResourceState, State
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "connect-on-nomad"
NO_WAIT = ApplyOptions(wait=False)


@dataclass
class World:
    agents: Agents
    jobs: NomadJobs
    intentions: ConsulIntentions
    defaults: ConsulServiceDefaults
    db: str
    web: str
    manager: StateManager

    def providers(self) -> Providers:
        """The world's providers, and the sidecar identity kinds' on the same agents."""
        nomad = NomadHttpSettings.resolve(NomadSettings(address=self.agents.nomad_addr), env={})
        consul = ConsulHttpSettings(address=self.agents.consul_addr)
        return Providers(self.jobs, self.intentions, self.defaults, ConsulAclTokens(consul),
                         NomadVariables(nomad))

    def apply(self, changes: tuple[ResourceChange, ...], state: State) -> ApplyResult:
        return apply_plan(Plan(changes=changes), state, self.manager,
                          executors(self.providers()),
                          options=NO_WAIT)


@pytest.fixture
def world(agents: Agents, unique: str, tmp_path: Path) -> Iterator[World]:
    nomad = NomadHttpSettings.resolve(NomadSettings(address=agents.nomad_addr), env={})
    consul = ConsulHttpSettings(address=agents.consul_addr)
    fast = RetryPolicy(tries=3, backoff=0.05)
    found = World(agents, NomadJobs(nomad, retry=fast, timeout=10),
                  ConsulIntentions(consul, retry=fast, timeout=10),
                  ConsulServiceDefaults(consul, retry=fast, timeout=10),
                  f"db{unique}", f"web{unique}", open_local(tmp_path / "state.json"))
    yield found
    purge_jobs(agents, (found.db, found.web))
    for name in (found.db, found.web):
        agents.consul("DELETE", f"/v1/config/service-intentions/{name}")
        agents.consul("DELETE", f"/v1/config/service-defaults/{name}")
    agents.consul("DELETE", f"/v1/config/service-defaults/other{unique}")


def example(world: World, tmp_path: Path) -> Config:
    """The example's configuration, with db and web renamed to the world's names."""
    text = (EXAMPLE / "main.hcl").read_text()
    suffix = world.db[2:]
    text = re.sub(r"\b(db|web)\b", lambda m: m.group(1) + suffix, text)
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "main.hcl").write_text(text)
    return load_config(directory, env={}, use_cache=False).config


def lowered(world: World, tmp_path: Path) -> dict[str, DesiredResource]:
    return {r.address: r for r in lower_config(example(world, tmp_path))}


def create(resource: DesiredResource) -> ResourceChange:
    return ResourceChange(address=resource.address, kind=resource.kind, name=resource.name,
                          action=Action.CREATE, after=resource.body,
                          depends_on=resource.depends_on)


def defaults_change(name: str, protocol: str = "tcp", index: int = 0,
                    action: Action = Action.CREATE) -> ResourceChange:
    body = {"Kind": "service-defaults", "Name": name, "Protocol": protocol}
    return ResourceChange(address=f"consul_service_defaults.{name}",
                          kind="consul_service_defaults", name=name, action=action,
                          after=body, observed_index=index)


def created(world: World, tmp_path: Path) -> tuple[dict[str, DesiredResource], ApplyResult]:
    resources = lowered(world, tmp_path)
    result = world.apply(tuple(create(r) for r in resources.values()),
                         world.manager.read() or State.new())
    assert result.ok, (result.failed, result.skipped)
    return resources, result


def live_index(world: World, address: str) -> int:
    parsed = parse_address(address)
    if parsed.kind == "nomad_job":
        job = world.jobs.read(parsed.name)
        return job.modify_index if job else 0
    if parsed.kind == "consul_intention":
        entry = world.intentions.read(parsed.destination)
        return entry.modify_index if entry else 0
    defaults = world.defaults.read(parsed.name)
    return defaults.modify_index if defaults else 0


def test_apply_creates_the_jobs_and_intention_with_the_recorded_indexes(
        world: World, tmp_path: Path) -> None:
    resources, result = created(world, tmp_path)
    job_db, job_web = f"nomad_job.{world.db}", f"nomad_job.{world.web}"
    intention = f"consul_intention.{world.web}:{world.db}"
    assert set(resources) == {job_db, job_web, intention}
    assert (result.added, result.changed, result.destroyed) == (3, 0, 0)
    state = world.manager.read()
    assert state is not None and set(state.addresses) == set(resources)
    for address in resources:
        record = state.resource(address)
        assert record is not None and record.observed_index == live_index(world, address) > 0
        assert record.dependencies == resources[address].depends_on
    entry = world.intentions.read(world.db)
    assert entry is not None and [s["Name"] for s in entry.sources] == [world.web]
    assert state.serial == 3  # one write per resource


def test_two_intentions_toward_one_destination_both_land(world: World, tmp_path: Path) -> None:
    """Both planned against the absent entry (index 0), the second after the first (not
    ready together, so not one write): it checks against the index the first one left,
    and succeeds."""
    resources = lowered(world, tmp_path)
    ours = create(resources[f"consul_intention.{world.web}:{world.db}"])
    ops = replace(ours, address=f"consul_intention.ops:{world.db}", name=f"ops:{world.db}",
                  after={"Name": "ops", "Action": "deny", "Description": "no ops"},
                  depends_on=(ours.address,))
    result = world.apply((replace(ours, depends_on=()), ops), State.new())
    assert result.ok, result.failed
    entry = world.intentions.read(world.db)
    assert entry is not None and {s["Name"] for s in entry.sources} == {"ops", world.web}
    state = world.manager.read()
    assert state is not None
    first_index, last_index = sorted(r.observed_index for r in state.resources)
    assert 0 < first_index < last_index == entry.modify_index


def test_a_conflict_between_plan_and_apply_overwrites_nothing_and_skips_dependents(
        world: World, tmp_path: Path, unique: str) -> None:
    resources, first = created(world, tmp_path)
    assert first.state is not None
    job_db = f"nomad_job.{world.db}"
    intention = f"consul_intention.{world.web}:{world.db}"
    planned = {a: live_index(world, a) for a in resources}
    # the plan: a new meta on db, a new description on the intention, new defaults
    db_body: dict[str, Any] = {**resources[job_db].body, "Meta": {"by": "plan"}}
    changes = (
        replace(create(resources[job_db]), action=Action.UPDATE, after=db_body,
                observed_index=planned[job_db]),
        replace(create(resources[intention]), action=Action.UPDATE,
                after={**resources[intention].body, "Description": "changed"},
                observed_index=planned[intention]),
        defaults_change(f"other{unique}"),
    )
    # behind the plan's back: someone registers db with another meta
    behind = {**resources[job_db].body, "Meta": {"by": "someone else"}}
    assert world.agents.nomad("PUT", f"/v1/job/{world.db}", json={"Job": behind}).ok
    moved = live_index(world, job_db)
    assert moved > planned[job_db]

    result = world.apply(changes, first.state)

    assert result.failed == (Problem(job_db, f"{job_db} changed since the plan (index "
                                             f"{planned[job_db]} -> {moved}); run plan again"),)
    assert result.skipped == (Problem(intention, f"depends on {job_db}, which failed"),)
    assert result.succeeded == (f"consul_service_defaults.other{unique}",)
    live_db = world.jobs.read(world.db)
    assert live_db is not None and live_db.body["Meta"] == {"by": "someone else"}
    entry = world.intentions.read(world.db)
    assert entry is not None
    assert entry.sources[0]["Description"] == resources[intention].body["Description"]
    state = world.manager.read()
    assert state is not None
    kept = state.resource(job_db)
    assert kept is not None and kept.observed_index == planned[job_db]
    other = state.resource(f"consul_service_defaults.other{unique}")
    assert other is not None and other.observed_index == live_index(world, other.address)


def registrations(world: World, job: str) -> int:
    """The job's evaluations made by a register (failed allocations make others)."""
    answer = world.agents.nomad("GET", f"/v1/job/{job}/evaluations").json()
    return sum(e["TriggeredBy"] == "job-register" for e in answer)


def test_a_job_whose_nomad_plan_changes_nothing_is_not_registered_again(
        world: World, tmp_path: Path) -> None:
    resources, first = created(world, tmp_path)
    assert first.state is not None
    job_db = f"nomad_job.{world.db}"
    before = world.jobs.read(world.db)
    assert before is not None
    evaluations = registrations(world, world.db)
    nomad_plan = world.jobs.plan(resources[job_db].body)
    assert nomad_plan.changes_nothing
    update = replace(create(resources[job_db]), action=Action.UPDATE,
                     observed_index=before.modify_index, nomad_plan=nomad_plan)
    result = world.apply((update,), first.state)
    assert result.ok and result.changed == 1
    after = world.jobs.read(world.db)
    assert after is not None and after.modify_index == before.modify_index
    assert after.body["Version"] == before.body["Version"]
    # Nomad itself keeps the version of an identical job; a register would still have
    # made an evaluation
    assert registrations(world, world.db) == evaluations


def test_destroy_removes_everything_and_keeps_a_foreign_intention_source(
        world: World, tmp_path: Path) -> None:
    _, first = created(world, tmp_path)
    assert first.state is not None
    foreign = world.agents.consul("PUT", "/v1/connect/intentions/exact",
                                  params={"source": "api", "destination": world.db},
                                  json={"Action": "deny", "Description": "by hand"})
    assert foreign.json() is True
    changes = tuple(_delete(world, r) for r in first.state.resources)

    result = world.apply(changes, first.state)

    assert result.ok and result.destroyed == 3, (result.failed, result.skipped)
    assert world.jobs.read(world.db) is None and world.jobs.read(world.web) is None
    entry = world.intentions.read(world.db)
    assert entry is not None and [(s["Name"], s["Action"]) for s in entry.sources] == [
        ("api", "deny")]
    state = world.manager.read()
    assert state is not None and state.resources == ()


def test_a_replace_purges_the_job_and_creates_it_again(world: World, tmp_path: Path) -> None:
    resources, first = created(world, tmp_path)
    assert first.state is not None
    job_web = f"nomad_job.{world.web}"
    before = world.jobs.read(world.web)
    assert before is not None
    change = replace(create(resources[job_web]), action=Action.REPLACE,
                     observed_index=before.modify_index)
    result = world.apply((change,), first.state)
    assert result.ok and (result.added, result.destroyed) == (1, 1)
    after = world.jobs.read(world.web)
    assert after is not None and after.body["Version"] == 0  # a new job, not a new version
    state = world.manager.read()
    assert state is not None
    record = state.resource(job_web)
    assert record is not None and record.observed_index == after.modify_index


def _delete(world: World, record: ResourceState) -> ResourceChange:
    return ResourceChange(address=record.address, kind=record.kind,
                          name=parse_address(record.address).name, action=Action.DELETE,
                          before=record.attributes,
                          observed_index=live_index(world, record.address),
                          depends_on=record.dependencies)


def test_a_job_changed_since_the_plan_is_not_destroyed(world: World, tmp_path: Path) -> None:
    resources, first = created(world, tmp_path)
    assert first.state is not None
    job_web = f"nomad_job.{world.web}"
    planned = live_index(world, job_web)
    behind = {**resources[job_web].body, "Meta": {"by": "someone else"}}
    assert world.agents.nomad("PUT", f"/v1/job/{world.web}", json={"Job": behind}).ok
    web = first.state.resource(job_web)
    assert web is not None
    change = replace(_delete(world, web), observed_index=planned)
    result = world.apply((change,), first.state)
    assert result.failed == (Problem(job_web, f"{job_web} changed since the plan (index "
                                              f"{planned} -> {live_index(world, job_web)}); "
                                              "run plan again"),)
    live = world.jobs.read(world.web)
    assert live is not None and not live.stopped
    state = world.manager.read()
    assert state is not None and job_web in state.addresses


def test_a_failed_rollout_fails_the_job_skips_its_dependents_and_records_it(
        world: World, tmp_path: Path) -> None:
    """db's command does not exist: the deployment watcher (the real one) reports the
    task's Driver Failure; the intention and web are skipped; db's registration is in the
    state, since Nomad accepted it."""
    resources = lowered(world, tmp_path)
    job_db = f"nomad_job.{world.db}"
    body = copy.deepcopy(dict(resources[job_db].body))
    body["TaskGroups"][0]["RestartPolicy"] = {"Attempts": 0, "Mode": "fail"}
    body["TaskGroups"][0]["ReschedulePolicy"] = {"Attempts": 0, "Unlimited": False}
    changes = tuple(replace(create(r), after=body) if r.address == job_db else create(r)
                    for r in resources.values())
    nomad = NomadHttpSettings.resolve(NomadSettings(address=world.agents.nomad_addr), env={})
    options = ApplyOptions(wait=True, wait_for_rollout=RolloutWaiter(nomad, timeout=120))

    result = apply_plan(Plan(changes=changes), State.new(), world.manager,
                        executors(world.providers()),
                        options=options)

    (failed,) = result.failed
    assert failed.address == job_db and "Driver Failure" in failed.reason, failed
    assert {p.address for p in result.skipped} == {
        f"consul_intention.{world.web}:{world.db}", f"nomad_job.{world.web}"}
    assert all(p.reason == f"depends on {job_db}, which failed" for p in result.skipped)
    state = world.manager.read()
    assert state is not None and state.addresses == (job_db,)
    record = state.resource(job_db)
    assert record is not None and record.observed_index == live_index(world, job_db)
    assert world.jobs.read(world.web) is None


def refresh(world: World, config: Config) -> Refreshed:
    """What a refresh reads for the example, read here through the providers."""
    desired = lower_config(config)
    return Refreshed(
        jobs={n: world.jobs.read(n) for n in (world.db, world.web)},
        intentions={world.db: world.intentions.read(world.db)},
        plans={r.name: world.jobs.plan(r.body) for r in desired if r.kind == "nomad_job"})


def test_the_planners_plan_applies_and_a_re_plan_shows_no_changes(
        world: World, tmp_path: Path) -> None:
    config = example(world, tmp_path)
    plan = build_plan(request_for(config, None, refresh(world, config)))
    assert {c.action for c in plan.changes} == {Action.CREATE}

    result = apply_plan(plan, State.new(), world.manager,
                        executors(world.providers()),
                        options=NO_WAIT, config=config)

    assert result.ok and result.added == 3, (result.failed, result.skipped)
    state = world.manager.read()
    again = build_plan(request_for(config, state, refresh(world, config)))
    assert [(c.address, c.action) for c in again.actionable] == []


def test_a_new_source_in_an_entry_with_a_foreign_source_applies(
        world: World, tmp_path: Path) -> None:
    config = example(world, tmp_path)
    foreign = world.agents.consul("PUT", "/v1/connect/intentions/exact",
                                  params={"source": "api", "destination": world.db},
                                  json={"Action": "deny", "Description": "by hand"})
    assert foreign.json() is True
    plan = build_plan(request_for(config, None, refresh(world, config)))
    result = apply_plan(plan, State.new(), world.manager,
                        executors(world.providers()),
                        options=NO_WAIT)
    assert result.ok, result.failed
