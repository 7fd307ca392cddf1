"""TLS failures said in words that name the CA file and the address, and the warning when
verification is off; against a local HTTPS server with certificates made at test time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_http import Pki, make_pki, serve

from ncplan.errors import ProviderError, ProviderUnreachable
from ncplan.providers.consul_config import ConfigEntries, consul_client
from ncplan.providers.nomad_job import NomadJobs
from ncplan.transport import tls
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

ONCE = RetryPolicy(tries=1)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


@pytest.fixture(autouse=True)
def fresh_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test is a run of its own: the once-per-run warnings start again."""
    monkeypatch.setattr(tls, "_warned", set())
    yield


def _nomad(address: str, **env: str) -> NomadJobs:
    return NomadJobs(NomadHttpSettings.resolve(env={"NOMAD_ADDR": address, **env}), retry=ONCE)


def _consul(address: str, **env: str) -> ConfigEntries:
    settings = ConsulHttpSettings.resolve(env={"CONSUL_HTTP_ADDR": address, **env})
    return ConfigEntries(consul_client(settings, retry=ONCE))


def test_a_wrong_ca_names_the_ca_file_and_the_address(pki: Pki) -> None:
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(ProviderUnreachable) as caught:
        _nomad(server.url, NOMAD_CACERT=str(pki.other_ca)).read("web")
    assert caught.value.message == (
        f"TLS with Nomad at {server.url} failed: the CA file {pki.other_ca} (NOMAD_CACERT) "
        f"did not sign the certificate of {server.url} (certificate verify failed: unable "
        "to get local issuer certificate)")
    assert (caught.value.hint or "").startswith("set NOMAD_CACERT to the CA certificate")


def test_no_ca_set_says_the_system_bundle_did_not_know_the_certificate(
        pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(ProviderUnreachable) as caught:
        _consul(server.url).get("service-defaults", "db")
    assert caught.value.message.startswith(
        f"TLS with Consul at {server.url} failed: the system's CA bundle (CONSUL_CACERT is "
        f"not set) did not sign the certificate of {server.url} (certificate verify failed")


def test_a_missing_ca_file_names_it_and_sends_nothing(pki: Pki) -> None:
    missing = pki.ca_cert.parent / "missing-ca.pem"
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(ProviderError) as caught:
        _consul(server.url, CONSUL_CACERT=str(missing)).get("service-defaults", "db")
    assert caught.value.message == (f"cannot verify Consul at {server.url}: the CA file "
                                    f"{missing} (CONSUL_CACERT) is no such file")
    assert server.requests == []


def test_a_certificate_for_another_host_says_so(pki: Pki) -> None:
    """The server's certificate names 127.0.0.1 only; reached as localhost it mismatches."""
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(ProviderUnreachable) as caught:
        address = server.url.replace("127.0.0.1", "localhost")
        _nomad(address, NOMAD_CACERT=str(pki.ca_cert)).read("web")
    assert caught.value.message.startswith(
        f"TLS with Nomad at {address} failed: the certificate is for another host, not "
        "localhost (certificate verify failed: Hostname mismatch, certificate is not valid "
        "for 'localhost'")


def test_the_right_ca_verifies(pki: Pki) -> None:
    with serve([(404, "")], tls=pki.server_context()) as server:
        assert _nomad(server.url, NOMAD_CACERT=str(pki.ca_cert)).read("web") is None


def test_skip_verify_works_and_warns_once_per_run(
        pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ncplan")
    with serve([(404, "")], tls=pki.server_context()) as server:
        assert _nomad(server.url, NOMAD_SKIP_VERIFY="true").read("web") is None
        assert _nomad(server.url, NOMAD_SKIP_VERIFY="true").read("db") is None
        assert _consul(server.url, CONSUL_HTTP_SSL_VERIFY="false").get("x", "y") is None
    assert [r.getMessage() for r in caplog.records] == [
        tls.unverified_text("Nomad", server.url, "NOMAD_SKIP_VERIFY=true"),
        tls.unverified_text("Consul", server.url, "CONSUL_HTTP_SSL_VERIFY=false")]
    assert caplog.records[0].getMessage().startswith(
        "warning: NOMAD_SKIP_VERIFY=true turns off TLS verification: ncplan does not check "
        f"the certificate of Nomad at {server.url}")


def test_verification_on_logs_nothing(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ncplan")
    with serve([(404, "")], tls=pki.server_context()) as server:
        _nomad(server.url, NOMAD_CACERT=str(pki.ca_cert), NOMAD_SKIP_VERIFY="false").read("w")
    assert caplog.records == []
