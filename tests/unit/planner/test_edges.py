"""A no-op's recorded edges follow the configuration (pure)."""

from __future__ import annotations

from apply_doubles import change, recorded

from ncplan.planner.edges import with_current_edges
from ncplan.planner.model import Action
from ncplan.state.model import State

JOB, DENY = "nomad_job.count-api", "consul_intention.ALL:count-api"


def test_a_no_op_gets_the_configurations_edges_and_the_rest_is_kept() -> None:
    """A state written when a deny needed its job: the job, left alone by the apply, now
    records that it needs the deny, so a destroy removes the deny after it."""
    state = State.new([recorded(JOB), recorded(DENY, depends_on=(JOB,)),
                       recorded("nomad_job.other", depends_on=("nomad_job.x",))])
    changes = [change(JOB, Action.NOOP, depends_on=(DENY,)),
               change(DENY, Action.UPDATE),
               change("nomad_job.other", Action.NOOP, depends_on=("nomad_job.x",))]
    current = with_current_edges(state, changes)
    assert [(r.address, r.dependencies) for r in current.resources] == [
        (DENY, (JOB,)), (JOB, (DENY,)), ("nomad_job.other", ("nomad_job.x",))]
    assert (current.lineage, current.serial) == (state.lineage, state.serial)
    assert with_current_edges(current, changes).same_content(current)
