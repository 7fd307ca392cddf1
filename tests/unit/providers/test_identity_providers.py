"""The sidecar identity providers over the secure pair's recorded answers, served by a
local HTTP server: tokens (absent vs refused, write after a read, revoke) and variables
(check-and-set writes and deletes), and no secret in a live object or an error."""

from __future__ import annotations

import json

import pytest
from identity_recordings import exchanges
from local_http import serve

from ncplan.errors import CheckAndSetConflict, ProviderError
from ncplan.providers.consul_acl_token import ConsulAclTokens, parse_token
from ncplan.providers.nomad_variable import NomadVariables, parse_variable
from ncplan.providers.secret_decoding import digest
from ncplan.resources.sidecar_identity import token_accessor_id, token_body
from ncplan.transport.consul import ConsulHttpSettings
from ncplan.transport.http import RetryPolicy
from ncplan.transport.nomad import NomadHttpSettings

ONCE = RetryPolicy(tries=1)
TOKEN_PATH = f"/v1/acl/token/{token_accessor_id('db')}"
ANY_TOKEN = "11111111-2222-3333-4444-555555555555"


def tokens(url: str) -> ConsulAclTokens:
    return ConsulAclTokens(ConsulHttpSettings(address=url, token=ANY_TOKEN), retry=ONCE)


def variables(url: str) -> NomadVariables:
    settings = NomadHttpSettings.resolve(None, {"NOMAD_ADDR": url, "NOMAD_TOKEN": ANY_TOKEN})
    return NomadVariables(settings, retry=ONCE)


def test_the_recorded_token_is_db_s_identity_without_its_secret() -> None:
    created = exchanges("token_lifecycle")[0].json()
    live = parse_token("db", created)
    assert live.body == token_body("db")
    assert live.modify_index == created["ModifyIndex"]
    assert live.secret_digest == digest(str(created["SecretID"]))
    assert str(created["SecretID"]) not in repr(live)


def test_a_403_acl_not_found_with_a_valid_caller_is_an_absent_token() -> None:
    absent = exchanges("token_absent")
    with serve([e.answer for e in absent]) as server:
        assert tokens(server.url).read("db") is None
    assert server.requests == [f"GET {TOKEN_PATH}", "GET /v1/acl/token/self"]


def test_acl_not_found_for_the_caller_too_is_a_refusal_not_an_absent_token() -> None:
    (unknown,) = exchanges("token_unknown_caller")
    with serve([unknown.answer]) as server, pytest.raises(ProviderError) as caught:
        tokens(server.url).read("db")
    assert caught.value.message.startswith(
        f"consul_acl_token.db: Consul refused GET {TOKEN_PATH} (403 ACL not found)")


def test_a_token_without_acl_rights_is_told_what_to_grant() -> None:
    _, read, create = exchanges("token_refused")
    with serve([read.answer]) as server, pytest.raises(ProviderError) as caught:
        tokens(server.url).read("db")
    assert 'the token needs acl = "read"' in caught.value.message
    absent = exchanges("token_absent")
    with serve([absent[0].answer, absent[1].answer, create.answer]) as server, \
            pytest.raises(ProviderError) as caught:
        tokens(server.url).write("db", token_body("db"), 0)
    assert caught.value.message.startswith(
        "consul_acl_token.db: Consul refused PUT /v1/acl/token (403 Permission denied")
    assert 'the token needs acl = "write"' in caught.value.message


def test_a_create_reads_first_then_puts_the_token_with_its_accessor() -> None:
    absent, (created, *_) = exchanges("token_absent"), exchanges("token_lifecycle")
    with serve([absent[0].answer, absent[1].answer, created.answer]) as server:
        live = tokens(server.url).write("db", token_body("db"), 0)
    assert server.requests[-1] == "PUT /v1/acl/token"
    assert json.loads(server.bodies[-1]) == token_body("db")
    assert live.modify_index == created.json()["ModifyIndex"]


def test_a_create_over_an_existing_token_is_a_conflict_and_writes_nothing() -> None:
    _, read, _ = exchanges("token_lifecycle")
    with serve([read.answer]) as server, pytest.raises(CheckAndSetConflict) as caught:
        tokens(server.url).write("db", token_body("db"), 0)
    assert server.requests == [f"GET {TOKEN_PATH}"]
    assert str(read.json()["SecretID"]) not in caught.value.message


def test_an_update_puts_to_the_accessor_path_and_the_secret_is_read_on_demand() -> None:
    _, read, updated = exchanges("token_lifecycle")
    index = int(str(read.json()["ModifyIndex"]))
    with serve([read.answer, updated.answer]) as server:
        live = tokens(server.url).write("db", token_body("db"), index)
    assert server.requests == [f"GET {TOKEN_PATH}", f"PUT {TOKEN_PATH}"]
    assert live.body["Description"] == "changed by hand"
    with serve([read.answer]) as server:
        assert tokens(server.url).secret("db") == read.json()["SecretID"]


def test_a_revoke_reads_then_deletes_and_a_gone_token_is_done() -> None:
    _, read, _ = exchanges("token_lifecycle")
    deleted = exchanges("token_deleted")[0]
    index = int(str(read.json()["ModifyIndex"]))
    with serve([read.answer, deleted.answer]) as server:
        tokens(server.url).delete("db", index)
    assert server.requests == [f"GET {TOKEN_PATH}", f"DELETE {TOKEN_PATH}"]
    absent = exchanges("token_absent")
    with serve([e.answer for e in absent]) as server:
        tokens(server.url).delete("db", index)
    assert [r.split()[0] for r in server.requests] == ["GET", "GET"]


def test_the_recorded_variable_keeps_item_names_and_digests_only() -> None:
    _, created, *_ = exchanges("variable_lifecycle")
    live = parse_variable("db", created.json())
    assert live.body == {"Path": "nomad/jobs/db", "Items": {"consul_token": None}}
    assert live.item_digests == {"consul_token": digest("recorded-secret-1")}
    assert "recorded-secret" not in repr(live)


def test_variable_reads_and_check_and_set_writes() -> None:
    absent, created, _read, refused, updated = exchanges("variable_lifecycle")
    with serve([absent.answer]) as server:
        assert variables(server.url).read("db") is None
    with serve([created.answer]) as server:
        index = variables(server.url).write("db", {"consul_token": "s"}, 0)
    assert server.requests == ["PUT /v1/var/nomad/jobs/db?cas=0"]
    assert index == created.json()["ModifyIndex"]
    with serve([refused.answer]) as server, pytest.raises(CheckAndSetConflict) as caught:
        variables(server.url).write("db", {"consul_token": "s"}, 0)
    assert caught.value.message == ("nomad_variable.db changed since the plan (absent -> "
                                    f"index {refused.json()['ModifyIndex']}); run plan again")
    assert "recorded-secret" not in caught.value.message + str(caught.value.body)
    with serve([updated.answer]) as server:
        assert variables(server.url).write("db", {"consul_token": "s"}, index) == \
            updated.json()["ModifyIndex"]


def test_variable_deletes_check_and_set_and_a_gone_variable_is_done() -> None:
    stale, _, deleted, again = exchanges("variable_delete")
    with serve([stale.answer]) as server, pytest.raises(CheckAndSetConflict) as caught:
        variables(server.url).delete("db", 11)
    assert "recorded-secret" not in caught.value.message
    with serve([deleted.answer]) as server:
        variables(server.url).delete("db", 13)
    with serve([again.answer]) as server:
        variables(server.url).delete("db", 13)
    assert server.requests == ["DELETE /v1/var/nomad/jobs/db?cas=13"]


def test_an_answer_that_is_not_json_is_an_error_that_does_not_quote_it() -> None:
    with serve([(200, "secret-looking garbage")]) as server, \
            pytest.raises(ProviderError) as caught:
        variables(server.url).read("db")
    assert "garbage" not in caught.value.message
    assert caught.value.message.startswith("nomad_variable.db: Nomad GET /v1/var/nomad/jobs/db")
