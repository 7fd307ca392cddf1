"""A kind's one list request: a token that may not list (401, 403) reads each object on
its own instead; any other failure of the list is the refresh's failure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NoReturn, cast

import pytest

from ncplan.errors import ProviderError, ProviderUnreachable
from ncplan.kinds.base import Kind, Listing
from ncplan.kinds.registry import KINDS
from ncplan.providers.clients import Providers

NO_PROVIDERS = cast(Providers, None)  # the list below never reaches a provider


def refused(status: int | None, error: type[ProviderError] = ProviderError) -> Kind[Any]:
    def listing(providers: Providers) -> NoReturn:
        raise error("GET /v1/config/service-defaults refused", status=status)
    return replace(KINDS["consul_service_defaults"], list_objects=listing)


@pytest.mark.parametrize("status", [401, 403])
def test_a_token_that_may_not_list_reads_one_by_one(status: int) -> None:
    assert refused(status).permitted_listing(NO_PROVIDERS) is None


@pytest.mark.parametrize("kind", [refused(500), refused(404), refused(403, ProviderUnreachable)])
def test_any_other_failure_of_the_list_is_raised(kind: Kind[Any]) -> None:
    with pytest.raises(ProviderError, match="refused"):
        kind.permitted_listing(NO_PROVIDERS)


def test_a_list_that_answers_whole_objects_gives_their_indexes() -> None:
    class Entry:
        modify_index = 7

    kind = replace(KINDS["consul_service_defaults"], list_objects=lambda p: {"api": Entry()})
    listing = kind.permitted_listing(NO_PROVIDERS)
    assert isinstance(listing, Listing)
    assert listing.indexes == {"api": 7}
    assert set(listing.objects) == {"api"}
