"""Nomad settings: where each value comes from, and TLS verified by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from local_http import Pki, make_pki, serve

from ncplan.config.model import NomadSettings
from ncplan.errors import ProviderUnreachable
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

ENV = {"NOMAD_ADDR": "http://nomad.env:4646", "NOMAD_REGION": "env-region",
       "NOMAD_NAMESPACE": "env-ns", "NOMAD_TOKEN": "secret"}


def test_the_block_beats_the_environment() -> None:
    block = NomadSettings(address="https://nomad.block:4646", region="eu", namespace="apps")
    settings = NomadHttpSettings.resolve(block, ENV)
    assert (settings.address, settings.region, settings.namespace) == \
        ("https://nomad.block:4646", "eu", "apps")
    assert settings.token == "secret"
    assert settings.query == {"region": "eu", "namespace": "apps"}


def test_the_environment_then_the_defaults() -> None:
    from_env = NomadHttpSettings.resolve(NomadSettings(), ENV)
    assert (from_env.address, from_env.region, from_env.namespace) == \
        ("http://nomad.env:4646", "env-region", "env-ns")
    default = NomadHttpSettings.resolve(None, {"NOMAD_ADDR": "127.0.0.1:4747/"})
    assert default.address == "http://127.0.0.1:4747"
    assert (default.region, default.namespace, default.token) == (None, None, None)
    assert default.query == {}
    assert NomadHttpSettings.resolve(None, {}).address == "http://127.0.0.1:4646"


def test_token_header_and_tls_files_go_on_the_session() -> None:
    settings = NomadHttpSettings.resolve(None, {
        **ENV, "NOMAD_CACERT": "/ca.pem", "NOMAD_CLIENT_CERT": "/c.pem",
        "NOMAD_CLIENT_KEY": "/k.pem"})
    session = settings.session()
    assert session.headers["X-Nomad-Token"] == "secret"
    assert session.verify == "/ca.pem"
    assert session.cert == ("/c.pem", "/k.pem")
    assert NomadHttpSettings.resolve(None, {"NOMAD_SKIP_VERIFY": "true"}).session().verify \
        is False


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


def _get(env: dict[str, str]) -> int:
    client = NomadHttpSettings.resolve(None, env).client(retry=RetryPolicy(tries=1))
    return client.call("GET", "/v1/agent/self").status


def test_a_wrong_ca_fails_with_a_clear_error(pki: Pki) -> None:
    wrong_ca = str(pki.other_ca)
    with serve([(200, "{}")], tls=pki.server_context()) as server, \
            pytest.raises(ProviderUnreachable) as caught:
        _get({"NOMAD_ADDR": server.url, "NOMAD_CACERT": wrong_ca})
    error = caught.value
    assert error.message.startswith(f"TLS with Nomad at {server.url} failed: ")
    assert "certificate verify failed" in error.message
    assert "NOMAD_CACERT" in (error.hint or "")
    assert server.requests == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verification_is_on_by_default_and_uses_nomad_cacert(pki: Pki) -> None:
    with serve([(200, "{}")], tls=pki.server_context()) as server:
        with pytest.raises(ProviderUnreachable, match="certificate verify failed"):
            _get({"NOMAD_ADDR": server.url})
        assert _get({"NOMAD_ADDR": server.url, "NOMAD_CACERT": str(pki.ca_cert)}) == 200
        assert _get({"NOMAD_ADDR": server.url, "NOMAD_SKIP_VERIFY": "1"}) == 200


def test_requests_ca_bundle_does_not_override_nomad_cacert(
        pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.other_ca))
    with serve([(200, "{}")], tls=pki.server_context()) as server:
        assert _get({"NOMAD_ADDR": server.url, "NOMAD_CACERT": str(pki.ca_cert)}) == 200
