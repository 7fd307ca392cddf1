"""What a list request answered, by key, and whether the API said it left objects out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

V = TypeVar("V")

ACL_FILTERED_HEADER = "x-consul-results-filtered-by-acls"
DEFAULT_POLICY_HEADER = "x-consul-default-acl-policy"


class Listed(dict[str, V]):
    """A list request's objects (or indexes) by key, with ``partial`` True when the API
    said it left out objects the token may not read (Consul's
    ``X-Consul-Results-Filtered-By-ACLs``): an object absent from a partial list may
    exist, so its absence proves nothing."""

    def __init__(self, items: Mapping[str, V] | Iterable[tuple[str, V]] = (), *,
                 partial: bool = False) -> None:
        super().__init__(items)
        self.partial = partial


def is_partial(found: Mapping[str, object]) -> bool:
    """Whether ``found`` is a :class:`Listed` the API said it filtered."""
    return isinstance(found, Listed) and found.partial


def filtered_by_acls(headers: Mapping[str, str], *, anonymous: bool) -> bool:
    """Whether a Consul list answer may have left out objects the token may not read:
    it says so (``X-Consul-Results-Filtered-By-ACLs: true``), or the request carried no
    token under a default-deny policy (Consul, 1.14 seen here, never sets that header for
    the anonymous token, though it filters its lists)."""
    def header(wanted: str) -> str:
        return next((value.strip().lower() for name, value in headers.items()
                     if name.lower() == wanted), "")
    return (header(ACL_FILTERED_HEADER) == "true"
            or (anonymous and header(DEFAULT_POLICY_HEADER) == "deny"))
