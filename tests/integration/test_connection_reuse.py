"""Connections to the real agents are kept alive and reused at ``--parallelism``: the
providers' sessions keep as many connections as requests run at once, so a refresh or an
apply opens each connection once, not once per request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from agentlib import Agents

from ncplan.config.model import Config, ConsulSettings, NomadSettings
from ncplan.providers.clients import Providers

pytestmark = pytest.mark.integration

THREADS = 20
ROUNDS = 3
# a blocking query on an index far ahead: each request holds its connection for the wait,
# so the THREADS requests of a round are all open at once
BLOCK = {"index": str(10**12), "wait": "300ms"}


def _opened(session: requests.Session, address: str) -> int:
    """How many connections the session opened to ``address``."""
    pools = session.get_adapter(address).poolmanager.pools
    keys = pools.keys()  # RecentlyUsedContainer: no iteration over itself
    return sum(int(pools[key].num_connections) for key in keys)


def _providers(agents: Agents, parallelism: int) -> Providers:
    config = Config(directory=".", nomad=NomadSettings(address=agents.nomad_addr),
                    consul=ConsulSettings(address=agents.consul_addr))
    return Providers.from_config(config, env={}, parallelism=parallelism)


@pytest.mark.parametrize("kind", ["nomad", "consul"])
def test_parallel_requests_reuse_one_connection_each(agents: Agents, kind: str) -> None:
    providers = _providers(agents, THREADS)
    http = providers.jobs.http if kind == "nomad" else providers.intentions.client
    path = "/v1/jobs" if kind == "nomad" else "/v1/config/service-intentions"

    def read(_: int) -> None:
        http.call("GET", path, params=BLOCK)

    with ThreadPoolExecutor(THREADS) as pool:
        for _round in range(ROUNDS):  # a burst, then every connection idle at once
            list(pool.map(read, range(THREADS)))
    # THREADS * ROUNDS requests over at most THREADS connections (a pool of requests'
    # default 10 would open and drop one per request beyond the tenth thread's)
    assert _opened(http.session, http.api.address) <= THREADS
