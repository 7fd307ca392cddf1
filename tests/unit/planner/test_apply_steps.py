"""The steps of an apply and what each waits for (pure), and the intention executor's
per-entry index chain (pure part)."""

from __future__ import annotations

from apply_doubles import change

from ncplan.kinds.consul_intention import EntryIndexes
from ncplan.planner.model import Action
from ncplan.planner.steps import StepKind, plan_steps, step_batches

DB, WEB, INTENTION = "nomad_job.db", "nomad_job.web", "consul_intention.web:db"


def test_writes_need_their_dependencies_and_deletes_their_dependents() -> None:
    steps = plan_steps([change(DB), change(INTENTION, depends_on=(DB,)),
                        change(WEB, Action.DELETE, depends_on=(INTENTION,))])
    assert {k: s.needs for k, s in steps.items()} == {
        f"write {DB}": (), f"write {INTENTION}": (f"write {DB}",), f"delete {WEB}": ()}


def test_a_replace_is_a_delete_then_a_create_at_index_zero() -> None:
    steps = plan_steps([change(DB, Action.REPLACE, index=9),
                        change(WEB, Action.REPLACE, depends_on=(DB,), index=4)])
    assert {k: s.needs for k, s in steps.items()} == {
        f"delete {DB}": (f"delete {WEB}",), f"write {DB}": (f"delete {DB}",),
        f"delete {WEB}": (), f"write {WEB}": (f"delete {WEB}", f"write {DB}")}
    create = steps[f"write {DB}"]
    assert (create.kind, create.change.action, create.change.observed_index,
            create.counts_as) == (StepKind.WRITE, Action.CREATE, 0, "add")
    gone = steps[f"delete {DB}"]
    assert (gone.change.action, gone.change.observed_index, gone.counts_as) == (
        Action.DELETE, 9, "destroy")


def test_no_ops_have_no_step_and_dependencies_outside_the_plan_are_ignored() -> None:
    steps = plan_steps([change(DB, Action.NOOP), change(WEB, Action.UPDATE, depends_on=(DB,))])
    assert {k: s.needs for k, s in steps.items()} == {f"write {WEB}": ()}
    assert steps[f"write {WEB}"].counts_as == "change"


def test_entry_indexes_follow_our_own_writes() -> None:
    """Two intentions toward db planned at index 10: the second checks against the
    index the first write left, not against 10."""
    indexes = EntryIndexes()
    assert indexes.current("db", 10) == 10
    indexes.record("db", 10, 12)
    assert indexes.current("db", 10) == 12
    indexes.record("db", 12, 15)
    assert indexes.current("db", 10) == 15
    assert indexes.current("db", 11) == 11  # another planned index: untouched
    assert indexes.current("api", 10) == 10
    indexes.record("db", 15, 15)  # nothing written (identical): no move
    assert indexes.current("db", 10) == 15


def test_an_update_that_drops_an_edge_goes_before_the_delete_of_what_it_needed() -> None:
    """web stops calling db: the state had web need the intention, the configuration no
    longer does; web's update (and its rollout) comes before the intention's delete."""
    steps = plan_steps([change(WEB, Action.UPDATE), change(INTENTION, Action.DELETE,
                                                           depends_on=(DB,))],
                       {WEB: (INTENTION, DB), INTENTION: (DB,), DB: ()})
    assert {k: s.needs for k, s in steps.items()} == {
        f"write {WEB}": (), f"delete {INTENTION}": (f"write {WEB}",)}
    assert step_batches(steps) == ((WEB,), (INTENTION,))


def test_a_replace_is_printed_twice_its_delete_first() -> None:
    steps = plan_steps([change(DB, Action.REPLACE, index=9)], {DB: ()})
    assert step_batches(steps) == ((DB,), (DB,))


def test_an_edge_from_the_state_that_would_close_a_cycle_is_left_out() -> None:
    """a (updated) stops needing b and needs c instead; c is replaced, and b (deleted) needed
    c: a's write needs c's write, which needs c's delete, which needs b's delete, so b's
    delete cannot also wait for a's write."""
    a, b, c = "nomad_job.a", "nomad_job.b", "nomad_job.c"
    steps = plan_steps([change(a, Action.UPDATE, depends_on=(c,)),
                        change(b, Action.DELETE, depends_on=(c,)),
                        change(c, Action.REPLACE, index=3)],
                       {a: (b,), b: (c,), c: ()})
    assert {k: s.needs for k, s in steps.items()} == {
        f"write {a}": (f"write {c}",), f"delete {b}": (),
        f"delete {c}": (f"delete {b}",), f"write {c}": (f"delete {c}",)}


def test_a_cycle_in_the_recorded_edges_does_not_stop_a_destroy() -> None:
    """A state whose deny needed its job and whose job needs the deny (written by two
    versions of the rule): one edge is left out, deterministically."""
    job, deny = "nomad_job.api", "consul_intention.ALL:api"
    steps = plan_steps([change(job, Action.DELETE, depends_on=(deny,)),
                        change(deny, Action.DELETE, depends_on=(job,))],
                       {job: (deny,), deny: (job,)})
    assert step_batches(steps) == ((job,), (deny,))
