"""NyxCore (Axiom RAG API): the remote knowledge base of the original MiniRAG's `nyxcore` sources.

GET {base}/api/v1/rag/documents checks the connection; POST {base}/api/v1/rag/search `{query, limit,
authority?}` answers `{ok, results: [{content, heading, filename, authority, score, chunkId, documentId}]}`.
Both carry the source's token as a Bearer token and go through the SafeFetcher, so the outbound URL policy
applies to every call. Anything else the server answers is a RemoteSearchError, never a crash.
"""

import json
import math
from typing import Any

from minirag.adapters.http_fetch import SafeFetcher
from minirag.domain.remote import AUTHORITIES, RemoteEndpoint, RemoteHit, RemoteInventory, RemoteSearchError

_DOCUMENTS = "/api/v1/rag/documents"
_SEARCH = "/api/v1/rag/search"


class NyxCoreSearch:
    """`fetcher` should not follow redirects (max_redirects=0): a token must not follow one elsewhere."""

    def __init__(self, fetcher: SafeFetcher, *, search_timeout_s: float) -> None:
        self._fetcher = fetcher
        self._search_timeout_s = search_timeout_s

    def inventory(self, endpoint: RemoteEndpoint) -> RemoteInventory:
        got = self._fetcher.fetch(
            _url(endpoint, _DOCUMENTS), accept="application/json", headers=_auth(endpoint)
        )
        documents = _answer(got.body, "documents")
        ready = [d for d in documents if isinstance(d, dict) and d.get("status", "ready") == "ready"]
        chunks = sum(_number(d.get("chunkCount"), int) for d in ready)
        return RemoteInventory(document_count=len(ready), chunk_count=chunks)

    def search(self, endpoint: RemoteEndpoint, query: str) -> list[RemoteHit]:
        body: dict[str, Any] = {"query": query, "limit": endpoint.limit}
        if endpoint.authority:
            body["authority"] = list(endpoint.authority)
        got = self._fetcher.post(
            _url(endpoint, _SEARCH),
            body=json.dumps(body).encode(),
            headers={**_auth(endpoint), "Content-Type": "application/json", "Accept": "application/json"},
            timeout_s=self._search_timeout_s,
            read_limit=None,
        )
        if not 200 <= got.status < 300:
            raise RemoteSearchError(f"NyxCore search answered HTTP {got.status}")
        hits = [_hit(r) for r in _answer(got.body, "results")[: endpoint.limit]]
        return [h for h in hits if h is not None]


def _url(endpoint: RemoteEndpoint, path: str) -> str:
    return endpoint.base_url.rstrip("/") + path


def _auth(endpoint: RemoteEndpoint) -> dict[str, str]:
    if not endpoint.token:
        raise RemoteSearchError("no API token configured")
    return {"Authorization": f"Bearer {endpoint.token}"}


def _answer(raw: bytes, key: str) -> list[Any]:
    """The list under `key` of an `{ok: true, ...}` answer; the remote's own error message otherwise."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RemoteSearchError("NyxCore answered something that is not JSON") from exc
    if not isinstance(data, dict):
        raise RemoteSearchError("NyxCore answered an unexpected JSON shape")
    if data.get("ok") is not True:
        raw_error = data.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        code, message = str(error.get("code", "UNKNOWN"))[:50], str(error.get("message", ""))[:200]
        raise RemoteSearchError(f"NyxCore refused: {code} {message}".strip())
    items = data.get(key, [])
    if not isinstance(items, list):
        raise RemoteSearchError(f"NyxCore answered an unexpected JSON shape ({key} is not a list)")
    return items


def _hit(raw: Any) -> RemoteHit | None:
    """One result; one without text is skipped rather than failing the others."""
    if not isinstance(raw, dict) or not isinstance(raw.get("content"), str) or not raw["content"].strip():
        return None
    authority = raw.get("authority")
    heading = raw.get("heading")
    return RemoteHit(
        chunk_id=str(raw.get("chunkId") or ""),
        content=raw["content"],
        score=_number(raw.get("score"), float),
        filename=str(raw.get("filename") or ""),
        heading=heading if isinstance(heading, str) and heading else None,
        authority=authority if authority in AUTHORITIES else None,
        document_id=str(raw.get("documentId") or ""),
    )


def _number[T: (int, float)](value: Any, kind: type[T]) -> T:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return kind(0)
    return kind(value)
