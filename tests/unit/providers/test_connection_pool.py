"""The providers keep as many connections alive as ``--parallelism`` runs requests at once
(the reuse itself is checked against the real agents: test_connection_reuse.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from ncplan.orchestration.context import AppContext
from ncplan.orchestration.plan_run import PlanOptions, prepare
from ncplan.transport import tls

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "connect-on-nomad"


def _pool_size(session: requests.Session, scheme: str) -> int:
    adapter = session.get_adapter(f"{scheme}://127.0.0.1:1")
    return int(adapter.poolmanager.connection_pool_kw["maxsize"])


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_session_keeps_pool_size_connections(scheme: str) -> None:
    http = tls.session("Nomad", "http://127.0.0.1:1", token_header="X-Nomad-Token",
                       token=None, verify=True, ca_cert=None, client_cert=None,
                       client_key=None, unverify_variable="NOMAD_SKIP_VERIFY=true",
                       pool_size=25)
    assert _pool_size(http, scheme) == 25


def test_parallelism_sizes_every_providers_pool(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOMAD_ADDR", "http://127.0.0.1:1")
    monkeypatch.setenv("CONSUL_HTTP_ADDR", "http://127.0.0.1:2")
    config = tmp_path / "config"
    shutil.copytree(EXAMPLE, config)
    prepared = prepare(AppContext(directory=config, color=False),
                       PlanOptions(parallelism=25, refresh=False))
    providers = prepared.providers
    sessions = [providers.jobs.http.session, providers.variables.http.session,
                providers.intentions.client.session,
                providers.service_defaults.entries.client.session,
                providers.tokens.client.session]
    assert [_pool_size(s, "http") for s in sessions] == [25] * 5


def _session() -> requests.Session:
    return tls.session("Nomad", "http://127.0.0.1:1", token_header="X-Nomad-Token",
                       token="t", verify=True, ca_cert=None, client_cert=None,
                       client_key=None, unverify_variable="NOMAD_SKIP_VERIFY=true")


def test_a_session_never_reads_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests would look ~/.netrc up on every request (and send its Basic auth)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    looked_up: list[str] = []
    real = requests.sessions.get_netrc_auth

    def spy(url: str, raise_errors: bool = False) -> tuple[str, str] | None:
        looked_up.append(url)
        return real(url, raise_errors)

    monkeypatch.setattr(requests.sessions, "get_netrc_auth", spy)
    http = _session()
    prepared = http.prepare_request(requests.Request("GET", "http://127.0.0.1:1/v1/jobs"))
    assert looked_up == []
    assert "Authorization" not in prepared.headers
    assert prepared.headers["X-Nomad-Token"] == "t"


def test_a_session_still_takes_proxies_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    http = _session()
    settings = http.merge_environment_settings("http://10.0.0.1:4646/v1/jobs", {}, None,
                                               None, None)
    assert settings["proxies"]["http"] == "http://proxy.example:3128"
