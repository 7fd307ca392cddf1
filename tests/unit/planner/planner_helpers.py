"""Inputs for the planner tests: the examples' desired resources, states recorded from
them, and the live objects the real agents answered (tests/record/record_planner.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from ncplan.config import load_config
from ncplan.config.model import Config
from ncplan.planner.diff import planned_body
from ncplan.providers import nomad_job_decoding
from ncplan.providers.consul_intention import parse_intentions
from ncplan.providers.consul_service_defaults import parse_service_defaults
from ncplan.providers.live import (
    LiveIntentions,
    LiveJob,
    LiveServiceDefaults,
    NomadJobPlan,
)
from ncplan.resources.desired import DesiredResource, lower_config
from ncplan.state.model import ResourceState, State

ROOT = Path(__file__).resolve().parents[3]
RECORDED = Path(__file__).parent / "recorded"


@cache
def config(example: str) -> Config:
    return load_config(ROOT / "examples" / example, use_cache=False).config


def desired(example: str) -> tuple[DesiredResource, ...]:
    return lower_config(config(example))


def resource(example: str, address: str) -> DesiredResource:
    return next(r for r in desired(example) if r.address == address)


def with_body(resource: DesiredResource, **changes: Any) -> DesiredResource:
    return replace(resource, body={**resource.body, **changes})


def answer(name: str) -> Any:
    """The body of a recorded answer."""
    return json.loads((RECORDED / f"{name}.json").read_text())["body"]


def live_job(name: str) -> LiveJob:
    return nomad_job_decoding.live_job(answer(name), name)


def nomad_plan(name: str, job: str) -> NomadJobPlan:
    return nomad_job_decoding.job_plan(job, answer(name), name)


def live_intentions(name: str) -> LiveIntentions:
    body = answer(name)
    return parse_intentions(body["Name"], body)


def live_defaults(name: str) -> LiveServiceDefaults:
    body = answer(name)
    return parse_service_defaults(body["Name"], body)


def recorded(resource: DesiredResource, index: int = 0,
             attributes: Mapping[str, Any] | None = None) -> ResourceState:
    """The state entry apply writes for ``resource``: the plan's ``after`` (without a
    refresh), the live index it saw."""
    body = planned_body(resource, None) if attributes is None else attributes
    return ResourceState(address=resource.address, kind=resource.kind, id=resource.name,
                         attributes=dict(body),
                         observed_index=index, dependencies=resource.depends_on)


def state_of(entries: Iterable[ResourceState], serial: int = 3) -> State:
    return replace(State.new(entries), serial=serial)
