"""Small builders shared by the state tests."""

from __future__ import annotations

from ncplan.state.model import ResourceState, State


def job(name: str, index: int = 1, **attributes: object) -> ResourceState:
    return ResourceState(address=f"nomad_job.{name}", kind="nomad_job", id=name,
                         attributes={"name": name, **attributes}, observed_index=index)


def state_with(*resources: ResourceState) -> State:
    return State.new(resources)
