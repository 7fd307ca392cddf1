"""The HTTP policy's pure parts: backoff, error mapping, JSON decoding of answers."""

from __future__ import annotations

import pytest
import requests
from local_http import serve

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.transport.http import Answer, Api, HttpClient, RetryPolicy

NOMAD = Api("Nomad", "http://127.0.0.1:4646", "NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT")


def _client(api: Api = NOMAD) -> HttpClient:
    return HttpClient(api, requests.Session(),
                      is_conflict=lambda status, body: status == 500 and "CAS" in body)


def _answer(status: int, text: str) -> Answer:
    return Answer("PUT", "/v1/job/web", status, text, {}, "Nomad")


def test_backoff_doubles_and_is_bounded() -> None:
    policy = RetryPolicy(tries=6, backoff=0.2, max_backoff=1.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.2, 0.4, 0.8, 1.0, 1.0]


def test_a_403_names_the_api_call_quotes_nomad_and_hints_at_the_token() -> None:
    error = _client().failure(_answer(403, "Permission denied\n"),
                              needs='submit-job on namespace "default"')
    assert error.message == ('Nomad refused PUT /v1/job/web (403 Permission denied): '
                             'the token needs submit-job on namespace "default"')
    assert error.hint == ('NOMAD_TOKEN is not set: set it to a token with it (submit-job on '
                          'namespace "default"; examples/acl/ has the policies ncplan needs)')
    with_token = _client(Api(**{**NOMAD.__dict__, "has_token": True}))
    unknown = with_token.failure(_answer(403, "Permission denied"))
    assert unknown.message == "Nomad refused PUT /v1/job/web (403 Permission denied)"
    assert unknown.hint == ("the token in NOMAD_TOKEN lacks it: add it to the token's policy "
                            "(a policy that allows PUT /v1/job/web; examples/acl/ has the "
                            "policies ncplan needs)")


def test_other_errors_quote_the_api_and_conflicts_are_their_own_class() -> None:
    error = _client().failure(_answer(500, "1 error occurred:\n\t* bad count\n\n"), attempts=3)
    assert type(error) is ProviderError
    assert error.message == "Nomad answered 500 to PUT /v1/job/web after 3 tries: " \
        "1 error occurred: * bad count"
    assert (error.status, error.body) == (500, "1 error occurred:\n\t* bad count\n\n")
    assert isinstance(_client().failure(_answer(500, "CAS lost")), CheckAndSetConflict)


def test_a_body_that_is_not_the_json_expected_is_a_located_provider_error() -> None:
    with pytest.raises(ProviderError) as caught:
        _answer(200, "<html>proxy</html>").json(dict)
    assert caught.value.message.startswith(
        "Nomad PUT /v1/job/web answered 200 with a body that is not JSON (")
    assert caught.value.message.endswith("): <html>proxy</html>")
    with pytest.raises(ProviderError, match=r"with a list, expected an object: \[1\]"):
        _answer(200, "[1]").json(dict)
    assert _answer(200, '{"a": 1}').json(dict) == {"a": 1}


def test_index_headers() -> None:
    answer = Answer("GET", "/v1/job/web", 200, "{}", {"X-Nomad-Index": "45"}, "Nomad")
    assert answer.index("X-Nomad-Index") == 45
    assert answer.index("X-Consul-Index") is None


def test_plain_http_checks_no_ca_path_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CA bundle in the environment (REQUESTS_CA_BUNDLE, set on many machines) is no
    reason to stat it on every plain-http request."""
    def no_stat(path: str) -> bool:
        raise AssertionError(f"stat of {path} for a plain-http request")

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setattr(requests.adapters.os.path, "isdir", no_stat)
    with serve([(200, "{}")]) as served:
        api = Api("Nomad", served.url, "NOMAD_ADDR", "NOMAD_TOKEN", "NOMAD_CACERT")
        assert _client(api).call("GET", "/v1/jobs").json(dict) == {}
