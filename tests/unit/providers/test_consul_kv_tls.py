"""The Consul state backend verifies TLS against CONSUL_CACERT, whatever the environment's
REQUESTS_CA_BUNDLE says (requests lets that variable beat a CA set on the session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from local_http import Pki, make_pki, serve

from ncplan.errors import StateError
from ncplan.state.backends.consul_kv import ConsulKV
from ncplan.transport.consul import ConsulHttpSettings


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


def _kv(address: str, ca: Path) -> ConsulKV:
    return ConsulKV(ConsulHttpSettings.resolve(address, env={"CONSUL_CACERT": str(ca)}))


def test_consul_cacert_beats_requests_ca_bundle(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.other_ca))
    with serve([(404, "")], tls=pki.server_context()) as server:
        assert _kv(server.url, pki.ca_cert).get("ncplan/state") is None


def test_a_wrong_consul_cacert_fails(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_cert))
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(StateError) as caught:
        _kv(server.url, pki.other_ca).get("ncplan/state")
    assert caught.value.message == (
        f"TLS with Consul at {server.url} failed: the CA file {pki.other_ca} (CONSUL_CACERT) "
        f"did not sign the certificate of {server.url} (certificate verify failed: unable "
        "to get local issuer certificate)")


def test_a_missing_consul_cacert_names_the_file_and_the_address(pki: Pki) -> None:
    missing = pki.ca_cert.parent / "nope.pem"
    with serve([(404, "")], tls=pki.server_context()) as server, \
            pytest.raises(StateError) as caught:
        _kv(server.url, missing).get("ncplan/state")
    assert caught.value.message == (f"cannot verify Consul at {server.url}: the CA file "
                                    f"{missing} (CONSUL_CACERT) is no such file")
    assert server.requests == []
