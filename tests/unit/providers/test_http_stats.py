"""NCPLAN_HTTP_STATS: one line per request sent (retries included), nothing when unset."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from local_http import serve

from ncplan.transport.http import STATS_ENV, Api, HttpClient


def _client(url: str) -> HttpClient:
    api = Api("Nomad", url, "NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT")
    return HttpClient(api, requests.Session(), sleep=lambda seconds: None)


def test_every_request_sent_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stats = tmp_path / "http.log"
    monkeypatch.setenv(STATS_ENV, str(stats))
    with serve([(500, "busy"), (200, "{}")]) as served:
        answer = _client(served.url).call("GET", "/v1/job/web", params={"index": "1"})
    assert answer.status == 200
    lines = [line.split() for line in stats.read_text().splitlines()]
    assert [line[:4] for line in lines] == [["Nomad", "GET", "/v1/job/web", "500"],
                                            ["Nomad", "GET", "/v1/job/web", "200"]]
    assert all(float(line[4]) >= 0 for line in lines)


def test_a_request_that_got_no_answer_is_logged_with_a_dash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stats = tmp_path / "http.log"
    monkeypatch.setenv(STATS_ENV, str(stats))
    with serve([(200, "{}")]) as served:
        url = served.url
    with pytest.raises(Exception, match="cannot reach Nomad"):
        _client(url).call("GET", "/v1/jobs")
    assert [line.split()[3] for line in stats.read_text().splitlines()] == ["-", "-", "-"]


def test_nothing_is_written_without_the_variable(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with serve([(200, "{}")]) as served:
        _client(served.url).call("GET", "/v1/jobs")
    assert list(tmp_path.iterdir()) == []
