"""``lifecycle { prevent_destroy = true }``: a plan that would destroy or replace a
protected resource is an error. Pure.

A ``service`` block lowers to its Nomad job and its ``service-defaults`` entry; the block's
``lifecycle`` protects both. As in Terraform, the protection lives in the configuration:
a service removed from the configuration is no longer protected.
"""

from __future__ import annotations

from ncplan.address import job_address, service_defaults_address
from ncplan.config.model import Config, Lifecycle
from ncplan.diagnostics import Diagnostic, Severity, SourceSpan
from ncplan.errors import ConfigError
from ncplan.planner.model import Action, Plan


def protected(config: Config) -> dict[str, SourceSpan | None]:
    """Address -> where its ``lifecycle`` block stands (the service's block when the
    lifecycle's own location is unknown), for every resource under prevent_destroy."""
    found: dict[str, SourceSpan | None] = {}
    for service in config.services:
        if service.lifecycle.prevent_destroy:
            where = _where(service.lifecycle, service.span)
            found[job_address(service.name)] = where
            found[service_defaults_address(service.name)] = where
    for job in config.jobs:
        if job.lifecycle.prevent_destroy:
            found[job_address(job.name)] = _where(job.lifecycle, job.span)
    return found


def _where(lifecycle: Lifecycle, block: SourceSpan | None) -> SourceSpan | None:
    return lifecycle.span if lifecycle.span is not None else block


def prevent_destroy_violations(plan: Plan, config: Config) -> tuple[Diagnostic, ...]:
    """One error per change that would destroy (or replace) a protected resource."""
    guarded = protected(config)
    found = []
    for change in plan.changes:
        if change.action not in (Action.DELETE, Action.REPLACE):
            continue
        if change.address not in guarded:
            continue
        span = guarded[change.address]
        verb = "destroy" if change.action is Action.DELETE else "replace"
        at = f" (lifecycle block at {span})" if span is not None else ""
        found.append(Diagnostic(
            Severity.ERROR,
            f"{change.address} cannot be destroyed: lifecycle.prevent_destroy is set{at}",
            detail=(f"The plan would {verb} {change.address}"
                    + (f" ({change.reason})" if change.reason else "")
                    + ". To go on, set prevent_destroy = false in its lifecycle block, "
                    "or narrow the plan with -target."),
            span=span, address=change.address))
    return tuple(found)


def check_prevent_destroy(plan: Plan, config: Config) -> None:
    """Raise :class:`ConfigError` listing every protected resource the plan would destroy."""
    violations = prevent_destroy_violations(plan, config)
    if violations:
        raise ConfigError(violations)
