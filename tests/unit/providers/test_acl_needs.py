"""A 403's wording: the capability each endpoint needs, the API's own message, the address.

The refusals quoted are recorded from Consul 1.14.11 and Nomad 1.6.1 with ACLs on (a
token with read-only policies), see tests/integration/test_secure_acl.py for the live
counterpart."""

from __future__ import annotations

import pytest
import requests
from local_http import serve

from ncplan.errors import ProviderError
from ncplan.transport.acl_needs import capability_needed
from ncplan.transport.http import Api, HttpClient, RetryPolicy, refusals_at

CONSUL_INTENTION_403 = ("Permission denied: token with AccessorID "
                        "'4d5ae14b-f8b1-8c7d-b693-80ec8b4c0870' lacks permission "
                        "'intention:write' on \"db\"")
NOMAD_403 = "Permission denied"


@pytest.mark.parametrize(("api", "method", "path", "params", "body", "needs"), [
    ("Consul", "PUT", "/v1/config", {"cas": "0"},
     {"Kind": "service-intentions", "Name": "db"}, 'intentions = "write" on service "db"'),
    ("Consul", "PUT", "/v1/config", {}, {"Kind": "service-defaults", "Name": "db"},
     'policy = "write" on service "db"'),
    ("Consul", "DELETE", "/v1/config/service-intentions/db", {"cas": "4"}, None,
     'intentions = "write" on service "db"'),
    ("Consul", "GET", "/v1/config/service-intentions/a%2Fb", {}, None,
     'intentions = "read" on service "a/b"'),
    ("Consul", "GET", "/v1/config/service-defaults/db", {}, None,
     'policy = "read" on service "db"'),
    ("Consul", "GET", "/v1/agent/self", {}, None, 'policy = "read" on agent_prefix ""'),
    ("Consul", "PUT", "/v1/kv/ncplan/prod", {}, None, 'policy = "write" on key "ncplan/prod"'),
    ("Consul", "PUT", "/v1/session/create", {}, {}, 'policy = "write" on session_prefix ""'),
    ("Consul", "PUT", "/v1/config", {}, {"Kind": "proxy-defaults", "Name": "global"}, None),
    ("Consul", "GET", "/v1/status/leader", {}, None, None),
    ("Consul", "GET", "/v1/acl/token/2cb27ed7-0583-560c-899f-ae29cee91960", {}, None,
     'acl = "read"'),
    ("Consul", "PUT", "/v1/acl/token", {}, {}, 'acl = "write"'),
    ("Consul", "PUT", "/v1/acl/token/2cb27ed7-0583-560c-899f-ae29cee91960", {}, {},
     'acl = "write"'),
    ("Consul", "DELETE", "/v1/acl/token/2cb27ed7-0583-560c-899f-ae29cee91960", {}, None,
     'acl = "write"'),
    ("Nomad", "PUT", "/v1/var/nomad/jobs/db", {"cas": "0"}, {},
     'variables path "nomad/jobs/db" capability "write" on namespace "default"'),
    ("Nomad", "GET", "/v1/var/nomad/jobs/db", {}, None,
     'variables path "nomad/jobs/db" capability "read" on namespace "default"'),
    ("Nomad", "DELETE", "/v1/var/nomad/jobs/db", {"namespace": "prod"}, None,
     'variables path "nomad/jobs/db" capability "destroy" on namespace "prod"'),
    ("Nomad", "PUT", "/v1/job/web", {"namespace": "prod"}, {}, 'submit-job on namespace "prod"'),
    ("Nomad", "PUT", "/v1/job/web/plan", {}, {}, 'submit-job on namespace "default"'),
    ("Nomad", "DELETE", "/v1/job/web", {"purge": "true"}, None,
     'submit-job on namespace "default"'),
    ("Nomad", "GET", "/v1/job/web", {}, None, 'read-job on namespace "default"'),
    ("Nomad", "GET", "/v1/job/web/allocations", {}, None, 'read-job on namespace "default"'),
    ("Nomad", "GET", "/v1/jobs", {}, None, 'list-jobs on namespace "default"'),
    ("Nomad", "POST", "/v1/jobs/parse", {}, {}, 'parse-job on namespace "default"'),
    ("Nomad", "GET", "/v1/nodes", {}, None, None),
])
def test_each_endpoint_names_the_capability_to_grant(
        api: str, method: str, path: str, params: dict[str, str], body: object,
        needs: str | None) -> None:
    assert capability_needed(api, method, path, params, body) == needs


def _consul(url: str, has_token: bool = True) -> HttpClient:
    api = Api("Consul", url, "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_CACERT",
              has_token=has_token)
    return HttpClient(api, requests.Session(), retry=RetryPolicy(tries=1))


def test_a_refused_write_names_address_call_consul_message_and_capability() -> None:
    entry = {"Kind": "service-intentions", "Name": "db", "Sources": []}
    with serve([(403, CONSUL_INTENTION_403)]) as served, \
            pytest.raises(ProviderError) as caught, \
            refusals_at("consul_intention.web:db"):
        _consul(served.url).call("PUT", "/v1/config", params={"cas": "0"}, body=entry)
    assert caught.value.message == (
        f"consul_intention.web:db: Consul refused PUT /v1/config (403 "
        f"{CONSUL_INTENTION_403}): the token needs intentions = \"write\" on service \"db\"")
    assert caught.value.status == 403
    assert (caught.value.hint or "").startswith("the token in CONSUL_HTTP_TOKEN lacks it")
    assert served.requests == ["PUT /v1/config?cas=0"]  # a refusal is never retried


def test_refusals_at_leaves_other_errors_alone() -> None:
    with pytest.raises(ProviderError) as caught, refusals_at("nomad_job.web"):
        raise ProviderError("Nomad answered 500 to PUT /v1/job/web: boom", status=500)
    assert caught.value.message == "Nomad answered 500 to PUT /v1/job/web: boom"
    with pytest.raises(ProviderError) as caught, refusals_at("nomad_job.web"), \
            refusals_at("nomad_job.web"):
        raise ProviderError(f"Nomad refused GET /v1/job/web (403 {NOMAD_403})", status=403)
    assert caught.value.message == f"nomad_job.web: Nomad refused GET /v1/job/web (403 {NOMAD_403})"
