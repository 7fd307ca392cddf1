"""A Nomad job's versions and Nomad's revert: how a rollback puts a job back exactly as it
was (the whole prior Job, its sensitive values and empty blocks included, which the state's
redacted record does not hold).

``revert`` sends ``EnforcePriorVersion``: Nomad reverts only while the job's current
version is still the one given, the check-and-set of a revert; a lost one raises
:class:`~ncplan.errors.CheckAndSetConflict`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ncplan.address import job_address
from ncplan.errors import CheckAndSetConflict
from ncplan.providers.nomad_job import job_path
from ncplan.providers.nomad_job_decoding import required_int
from ncplan.transport.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy, refusals_at
from ncplan.transport.nomad import NomadHttpSettings

ENFORCE_VERSION_ERROR = "enforcing version"  # Nomad's Revert with a stale prior version


def is_enforce_version_conflict(status: int, body: str) -> bool:
    """Nomad answers a revert whose ``EnforcePriorVersion`` is stale with a 500 saying
    ``current job has version N; enforcing version M``."""
    return status == 500 and ENFORCE_VERSION_ERROR in body.lower()


@dataclass(frozen=True)
class JobVersion:
    """One stored version of a job: its number and the JobModifyIndex it was written at."""

    version: int
    job_modify_index: int


class NomadJobVersions:
    """Versions and reverts of Nomad jobs on one agent, region and namespace."""

    def __init__(self, settings: NomadHttpSettings, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.http = settings.client(timeout=timeout, retry=retry,
                                    is_conflict=is_enforce_version_conflict)

    def versions(self, name: str) -> tuple[JobVersion, ...]:
        """The versions Nomad keeps of job ``name``, newest first (none when it is gone)."""
        path = job_path(name) + "/versions"
        answer = self.http.call("GET", path, accept=(200, 404))
        if answer.status == 404:
            return ()
        where = f"Nomad GET {path}"
        found = answer.json(dict).get("Versions") or []
        return tuple(JobVersion(required_int(v, "Version", where),
                                required_int(v, "JobModifyIndex", where)) for v in found)

    def revert(self, name: str, version: int, enforce_prior_version: int) -> int:
        """Revert job ``name`` to ``version`` if its current version is still
        ``enforce_prior_version``; returns the JobModifyIndex of the new version."""
        path = job_path(name) + "/revert"
        body = {"JobID": name, "JobVersion": version,
                "EnforcePriorVersion": enforce_prior_version}
        address = job_address(name)
        try:
            with refusals_at(address):
                answer = self.http.call("PUT", path, body=body)
        except CheckAndSetConflict as conflict:
            raise CheckAndSetConflict(
                f"{address} changed since this apply wrote it (version "
                f"{enforce_prior_version} is no longer current): not reverted",
                status=conflict.status, body=conflict.body) from conflict
        return required_int(answer.json(dict), "JobModifyIndex", f"Nomad PUT {path}")
