"""The providers of one run, built once from the configuration's blocks and the environment.

``nomad`` and ``consul`` blocks win over ``NOMAD_ADDR``/``CONSUL_HTTP_ADDR`` and the other
documented variables (see :mod:`ncplan.transport.nomad` and
:mod:`ncplan.transport.consul`). Refresh reads through these; apply writes through them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ncplan.config.model import Config
from ncplan.errors import NcplanError
from ncplan.providers.consul_acl_token import ConsulAclTokens
from ncplan.providers.consul_config_entry import ConsulConfigEntries
from ncplan.providers.consul_intention import ConsulIntentions
from ncplan.providers.consul_service_defaults import ConsulServiceDefaults
from ncplan.providers.nomad_job import NomadJobs
from ncplan.providers.nomad_variable import NomadVariables
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import DEFAULT_PARALLELISM
from ncplan.transport.nomad import NomadHttpSettings


@dataclass(frozen=True)
class Providers:
    """One provider per resource type, all talking to the same Nomad and Consul."""

    jobs: NomadJobs
    intentions: ConsulIntentions
    service_defaults: ConsulServiceDefaults
    tokens: ConsulAclTokens
    variables: NomadVariables
    config_entries: ConsulConfigEntries | None = None  # None: built for the same Consul

    @classmethod
    def from_config(cls, config: Config, env: Mapping[str, str] | None = None, *,
                    parallelism: int = DEFAULT_PARALLELISM) -> Providers:
        """The providers of ``config``; each keeps ``parallelism`` connections alive (the
        requests of a refresh or an apply, that many at once, reuse them)."""
        pool = max(1, parallelism)
        nomad = replace(NomadHttpSettings.resolve(config.nomad, env), pool_size=pool)
        consul = replace(ConsulHttpSettings.resolve(config.consul.address,
                                                    config.consul.datacenter, env),
                         pool_size=pool)
        return cls(jobs=NomadJobs(nomad), intentions=ConsulIntentions(consul),
                   service_defaults=ConsulServiceDefaults(consul),
                   tokens=ConsulAclTokens(consul), variables=NomadVariables(nomad),
                   config_entries=ConsulConfigEntries(consul))

    @property
    def entries(self) -> ConsulConfigEntries:
        """The config entries provider (an error when these providers were built without)."""
        if self.config_entries is None:
            raise NcplanError("no Consul config entries provider")
        return self.config_entries
