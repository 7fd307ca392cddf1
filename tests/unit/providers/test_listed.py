"""When a Consul list answer proves an object's absence (headers as Consul 1.14.11 sent
them in tests/integration/test_plan_acl.py's default-deny agent)."""

from __future__ import annotations

from ncplan.providers.listed import Listed, filtered_by_acls, is_partial

DENY = {"X-Consul-Default-Acl-Policy": "deny", "X-Consul-Index": "21"}


def test_a_list_consul_says_it_filtered_is_partial() -> None:
    headers = {**DENY, "X-Consul-Results-Filtered-By-Acls": "true"}
    assert filtered_by_acls(headers, anonymous=False)


def test_a_tokened_list_without_the_header_is_whole() -> None:
    assert not filtered_by_acls(DENY, anonymous=False)


def test_an_anonymous_list_under_default_deny_is_partial_though_consul_says_nothing() -> None:
    assert filtered_by_acls(DENY, anonymous=True)


def test_an_anonymous_list_under_default_allow_or_no_acls_is_whole() -> None:
    assert not filtered_by_acls({"X-Consul-Default-Acl-Policy": "allow"}, anonymous=True)
    assert not filtered_by_acls({}, anonymous=True)


def test_partial_travels_with_the_listed_values() -> None:
    assert is_partial(Listed({"db": 7}, partial=True))
    assert not is_partial(Listed({"db": 7}))
    assert not is_partial({"db": 7})
    assert Listed({"db": 7}, partial=True) == {"db": 7}
