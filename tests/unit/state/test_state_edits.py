"""Recording one step in a large state: ``with_resource``, ``without`` and ``resource``
find their place by bisection, and the journal takes a step's change from the edits the
engine hands it instead of comparing two whole states. Both give what the whole-state
way gives, for any sequence of steps; edits that are not what happened are not used."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from state_helpers import job

from ncplan.state import journal
from ncplan.state.backends.local import journal_path_for, open_local
from ncplan.state.model import Edits, ResourceState, State, sort_resources

NAMES = st.sampled_from([f"s{i:02d}" for i in range(30)])
#: One step: a record set (a name and an index) or an address removed.
STEPS = st.lists(st.tuples(st.booleans(), NAMES, st.integers(1, 3)), max_size=25)


def slow_with(state: State, record: ResourceState) -> State:
    """The whole-state way: every other resource, the record, sorted."""
    others = [r for r in state.resources if r.address != record.address]
    return state.with_resources([*others, record])


def slow_without(state: State, address: str) -> State:
    return state.with_resources(r for r in state.resources if r.address != address)


@given(start=st.lists(NAMES, unique=True), steps=STEPS)
def test_one_step_at_a_time_is_the_whole_state_way(start: list[str],
                                                   steps: list[tuple[bool, str, int]]) -> None:
    fast = slow = State.new([job(name) for name in start], lineage="l")
    for is_set, name, index in steps:
        if is_set:
            fast, slow = (fast.with_resource(job(name, index)),
                          slow_with(slow, job(name, index)))
        else:
            address = f"nomad_job.{name}"
            fast, slow = fast.without([address]), slow_without(slow, address)
        assert fast.resources == slow.resources == sort_resources(slow.resources)
    for name in [f"s{i:02d}" for i in range(30)]:
        address = f"nomad_job.{name}"
        assert fast.resource(address) == next(
            (r for r in slow.resources if r.address == address), None)


@given(start=st.lists(NAMES, unique=True), steps=STEPS)
def test_the_edits_give_the_change_comparing_would(start: list[str],
                                                   steps: list[tuple[bool, str, int]]) -> None:
    prior = State.new([job(name) for name in start], lineage="l")
    new, records, removed = prior, {}, set()
    for is_set, name, index in steps:  # as the engine builds them for a batch of steps
        address = f"nomad_job.{name}"
        if is_set:
            new = new.with_resource(job(name, index))
            records[address] = new.resource(address)
            removed.discard(address)
        else:
            new = new.without([address])
            records.pop(address, None)
            removed.add(address)
    edits = Edits(prior, tuple(r for r in records.values() if r is not None), tuple(removed))
    assert journal.change_of(prior, new, edits) == journal.change(prior, new)


def test_edits_that_are_not_what_happened_are_not_used() -> None:
    prior = State.new([job("a"), job("b")], lineage="l")
    new = prior.with_resource(job("a", 2)).without(["nomad_job.b"])
    record = new.resource("nomad_job.a")
    assert record is not None
    assert journal.change_of(prior, new, Edits(prior, (record,), ("nomad_job.b",))) \
        == journal.Change(0, (record,), ("nomad_job.b",))
    for wrong in (Edits(prior, (record,)),  # a removal left out
                  Edits(prior, (), ("nomad_job.b",)),  # a record left out
                  Edits(prior, (job("a", 3),), ("nomad_job.b",)),  # not new's record
                  Edits(replace(prior), (record,), ("nomad_job.b",))):  # another base
        assert journal.change_of(prior, new, wrong) is None
    both = prior.with_resource(job("a", 2)).with_resource(job("b", 2))
    one = both.resource("nomad_job.a")
    assert one is not None  # b replaced too, the count unchanged: still seen
    assert journal.change_of(prior, both, Edits(prior, (one,))) is None


def test_a_journaled_apply_given_edits_reads_back_whole(tmp_path: Path) -> None:
    """Steps written with their edits, as the engine writes them: the journal's lines
    replay to the state persisted, and hold only the changed records."""
    path = tmp_path / "ncplan.state.json"
    manager = open_local(path)
    manager.write(State.new([job(f"s{i:02d}") for i in range(20)]))
    state = manager.persist()
    assert state is not None
    with manager.journaled():
        for i in range(5):
            new = state.with_resource(job(f"s{i:02d}", 7)).without([f"nomad_job.s{19 - i}"])
            record = new.resource(f"nomad_job.s{i:02d}")
            assert record is not None
            manager.write(new, edits=Edits(state, (record,), (f"nomad_job.s{19 - i}",)))
            persisted = manager.persist()
            assert persisted is not None
            state = persisted
            assert open_local(path).read() == state  # the file with the journal replayed
            last = journal_path_for(path).read_bytes().splitlines()[-1]
            assert last.count(b'"address"') == 1
    assert open_local(path).read() == state and len(state.resources) == 15
