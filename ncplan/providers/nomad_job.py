"""The ``nomad_job`` provider: read, parse, plan, register (check-and-set), deregister.

Plain HTTP through :mod:`ncplan.transport.http` (docs/decisions.md says why not
python-nomad); the answers are decoded by :mod:`ncplan.providers.nomad_job_decoding`. Region
and namespace from :class:`NomadHttpSettings` go with every request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ncplan.address import job_address
from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers import nomad_job_decoding
from ncplan.providers.live import LiveJob, NomadJobPlan
from ncplan.transport.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    HttpClient,
    RetryPolicy,
    refusals_at,
)
from ncplan.transport.nomad import NomadHttpSettings

ENFORCE_INDEX_ERROR = "Enforcing job modify index"  # Nomad's RegisterEnforceIndexErrPrefix


def is_enforce_index_conflict(status: int, body: str) -> bool:
    """Nomad answers a lost EnforceIndex register with a 500 carrying this prefix."""
    return status == 500 and ENFORCE_INDEX_ERROR in body


def hcl_variables(variables: Mapping[str, Any]) -> str:
    """``{"image": "redis:7"}`` -> ``image = "redis:7"``: a var-file as /v1/jobs/parse takes it.

    Any JSON value is an HCL literal once template sequences in its strings are escaped
    (HCL object constructors accept ``"key": value``). One variable per line, in the
    order given (Nomad's messages about a value name its line).
    """
    lines = []
    for name, value in variables.items():
        literal = json.dumps(value).replace("${", "$${").replace("%{", "%%{")
        lines.append(f"{name} = {literal}")
    return "\n".join(lines) + ("\n" if lines else "")


class NomadJobs:
    """Nomad jobs over one :class:`HttpClient` (one agent, region and namespace)."""

    def __init__(self, settings: NomadHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.settings = settings
        self.http: HttpClient = settings.client(timeout=timeout, retry=retry,
                                                is_conflict=is_enforce_index_conflict)

    def read(self, name: str) -> LiveJob | None:
        """The live job, or None when Nomad has no job of that name (404)."""
        path = job_path(name)
        answer = self.http.call("GET", path, accept=(200, 404))
        if answer.status == 404:
            return None
        return nomad_job_decoding.live_job(answer.json(dict), f"Nomad GET {path}")

    def list_indexes(self) -> dict[str, int]:
        """Every job of the namespace, by ID, with its JobModifyIndex: one ``GET /v1/jobs``."""
        path = "/v1/jobs"
        stubs = self.http.call("GET", path).json(list)
        return nomad_job_decoding.job_indexes(stubs, f"Nomad GET {path}")

    def parse(self, hcl_text: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A jobspec -> its canonical Job JSON; bad HCL raises with Nomad's own message."""
        path = "/v1/jobs/parse"
        body = {"JobHCL": hcl_text, "Canonicalize": True,
                "Variables": hcl_variables(variables or {})}
        answer = self.http.call("POST", path, body=body)
        return nomad_job_decoding.parsed_job(answer.json(dict), f"Nomad POST {path}")

    def plan(self, job: Mapping[str, Any]) -> NomadJobPlan:
        """Nomad's dry run of registering ``job`` (a Job object), with its field diff."""
        name = _job_id(job)
        path = job_path(name) + "/plan"
        with refusals_at(job_address(name)):
            answer = self.http.call("PUT", path, body={"Job": job, "Diff": True})
        return nomad_job_decoding.job_plan(name, answer.json(dict), f"Nomad PUT {path}")

    def register(self, job: Mapping[str, Any], enforce_index: int) -> int:
        """Create (``enforce_index=0``) or update the job if its JobModifyIndex is still
        ``enforce_index``; returns the new JobModifyIndex.

        A stale index raises :class:`CheckAndSetConflict` naming both indexes.
        """
        name = _job_id(job)
        path = job_path(name)
        body = {"Job": job, "EnforceIndex": True, "JobModifyIndex": enforce_index}
        try:
            with refusals_at(job_address(name)):
                answer = self.http.call("PUT", path, body=body)
        except CheckAndSetConflict as conflict:
            raise self._stale(name, enforce_index, conflict) from conflict
        return nomad_job_decoding.register_index(answer.json(dict), f"Nomad PUT {path}")

    def deregister(self, name: str, purge: bool) -> None:
        """Stop the job (``purge``: and forget it); a job already gone is not an error."""
        params = {"purge": "true"} if purge else {}
        with refusals_at(job_address(name)):
            self.http.call("DELETE", job_path(name), params=params, accept=(200, 404))

    def _stale(self, name: str, expected: int, conflict: CheckAndSetConflict) -> ProviderError:
        try:
            live = self.read(name)
        except ProviderError:
            now = "unknown"
        else:
            now = str(live.modify_index) if live else "deleted"
        return CheckAndSetConflict(
            f"{job_address(name)} changed since the plan (index {expected} -> {now}); "
            f"run plan again", status=conflict.status, body=conflict.body)


def _job_id(job: Mapping[str, Any]) -> str:
    name = job.get("ID") or job.get("Name")
    if not isinstance(name, str) or not name:
        raise ProviderError("a Nomad job without an ID cannot be planned or registered")
    return name


def job_path(name: str) -> str:
    """``/v1/job/NAME``, the name escaped: the root of every per-job endpoint."""
    return "/v1/job/" + quote(name, safe="")
