"""State backends, chosen by the configuration's ``backend`` block.

The Consul backend (and with it requests) is imported only when chosen: ``ncplan --help``,
``validate`` and the local backend start without it.
"""

from __future__ import annotations

from pathlib import Path

from ncplan.config.model import BackendConfig, ConsulSettings
from ncplan.errors import StateError
from ncplan.state.backends.local import open_local
from ncplan.state.manager import StateManager


def open_backend(config: BackendConfig, directory: Path,
                 consul: ConsulSettings | None = None) -> StateManager:
    """The StateManager for ``backend "local"`` (a path relative to ``directory``) or
    ``backend "consul"`` (a KV path on the agent of the ``consul`` block / env)."""
    if config.kind == "local":
        return open_local(directory / config.path)
    if config.kind == "consul":
        from ncplan.state.backends.consul import open_consul
        from ncplan.transport.consul import ConsulHttpSettings

        settings = consul or ConsulSettings()
        return open_consul(config.path, ConsulHttpSettings.resolve(settings.address,
                                                                   settings.datacenter))
    raise StateError(f"unknown backend kind {config.kind!r}")
