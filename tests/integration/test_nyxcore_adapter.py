"""The NyxCore adapter over real HTTP: the URL policy on every call, no redirect followed with the token,
what it makes of NyxCore's answers."""

import math

import pytest

from minirag.adapters.http_fetch import BlockedUrlError, SafeFetcher, UrlPolicy
from minirag.adapters.remote_search.nyxcore import NyxCoreSearch
from minirag.domain.errors import UnprocessableError
from minirag.domain.remote import RemoteEndpoint, RemoteHit, RemoteSearchError
from tests.support.fake_nyxcore import TOKEN, fake_nyxcore


def adapter(allow_private: bool = True) -> NyxCoreSearch:
    fetcher = SafeFetcher(UrlPolicy(allow_private=allow_private), timeout_s=5, max_redirects=0)
    return NyxCoreSearch(fetcher, search_timeout_s=2)


def test_without_the_allow_private_setting_loopback_is_refused_before_connecting() -> None:
    with fake_nyxcore() as nyx:
        where = RemoteEndpoint(nyx.url, TOKEN)
        with pytest.raises(BlockedUrlError):
            adapter(allow_private=False).search(where, "q")
        with pytest.raises(BlockedUrlError):
            adapter(allow_private=False).inventory(where)
        assert nyx.received == []


def test_a_redirect_is_not_followed_so_the_token_stays_home() -> None:
    with fake_nyxcore() as elsewhere, fake_nyxcore() as nyx:
        nyx.mode, nyx.redirect_to = "redirect", elsewhere.url
        where = RemoteEndpoint(nyx.url, TOKEN)
        with pytest.raises(UnprocessableError, match="redirect"):
            adapter().inventory(where)
        with pytest.raises(RemoteSearchError, match="HTTP 302"):
            adapter().search(where, "q")
        assert elsewhere.received == [] and len(nyx.received) == 2


def test_results_are_read_leniently_and_capped_at_the_limit() -> None:
    with fake_nyxcore() as nyx:
        nyx.results = [
            {
                "content": "Kept.",
                "filename": "a.md",
                "authority": "binding",
                "score": "high",
                "chunkId": "c1",
            },
            {"content": "   ", "chunkId": "blank"},
            "not an object",
            {"content": "Also kept.", "score": math.inf, "heading": "", "chunkId": "c2", "documentId": 7},
            {"content": "Over the limit.", "score": 0.9, "chunkId": "c3"},
        ]
        hits = adapter().search(RemoteEndpoint(nyx.url, TOKEN, limit=4), "q")

    assert hits == [
        RemoteHit(chunk_id="c1", content="Kept.", score=0.0, filename="a.md", authority=None),
        RemoteHit(chunk_id="c2", content="Also kept.", score=0.0, document_id="7"),
    ]


@pytest.mark.parametrize(("mode", "message"), [("garbage", "not JSON"), ("not_ok", "QUOTA over quota")])
def test_answers_that_are_not_nyxcore_s_are_errors(mode: str, message: str) -> None:
    with fake_nyxcore() as nyx:
        nyx.mode = mode  # type: ignore[assignment]
        with pytest.raises(RemoteSearchError, match=message):
            adapter().search(RemoteEndpoint(nyx.url, TOKEN), "q")


def test_a_results_field_of_the_wrong_shape_is_an_error() -> None:
    with fake_nyxcore() as nyx:
        nyx.results = {"oops": 1}  # type: ignore[assignment]
        with pytest.raises(RemoteSearchError, match="not a list"):
            adapter().search(RemoteEndpoint(nyx.url, TOKEN), "q")
