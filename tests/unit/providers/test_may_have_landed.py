"""A write sent without an answer may have landed; one never sent did not."""

from __future__ import annotations

import pytest
import requests
from local_http import HANG, serve

from ncplan.errors import ProviderUnreachable
from ncplan.transport.http import Api, HttpClient, RetryPolicy


def _client(url: str) -> HttpClient:
    api = Api("Nomad", url, "NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT")
    return HttpClient(api, requests.Session(), timeout=0.2, retry=RetryPolicy(tries=1),
                      sleep=lambda seconds: None)


def test_a_write_timed_out_may_have_landed() -> None:
    with serve([(HANG, "0.6")]) as served, pytest.raises(ProviderUnreachable) as raised:
        _client(served.url).call("PUT", "/v1/job/web", body={"Job": {}})
    assert raised.value.may_have_landed
    assert "the write may have landed" in raised.value.message


def test_a_read_timed_out_or_a_write_never_sent_did_not() -> None:
    with serve([(HANG, "0.6")]) as served, pytest.raises(ProviderUnreachable) as read:
        _client(served.url).call("GET", "/v1/job/web")
    assert not read.value.may_have_landed
    with serve([(200, "{}")]) as served:
        closed = served.url
    with pytest.raises(ProviderUnreachable) as refused:
        _client(closed).call("PUT", "/v1/job/web", body={})
    assert not refused.value.may_have_landed
