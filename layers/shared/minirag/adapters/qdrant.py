"""Qdrant vector store: one collection per embedding model, every query filtered by tenant and bot."""

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from minirag.adapters.vector_names import PREFIX, collection_name, point_id
from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.vectors import SparseVector, VectorHit, VectorPoint, VectorQuery

_local_clients: dict[str, QdrantClient] = {}
_local_lock = threading.Lock()


def local_client(path: Path) -> QdrantClient:
    """Local mode locks its folder per client, so every service in one process shares one client per path."""
    key = str(path.resolve())
    with _local_lock:
        if key not in _local_clients:
            path.mkdir(parents=True, exist_ok=True)
            client = QdrantClient(path=key)
            atexit.register(client.close)  # closed before interpreter teardown, not by __del__ during it
            _local_clients[key] = client
        return _local_clients[key]


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


class QdrantVectorStore:
    def __init__(self, client: QdrantClient) -> None:
        self._client = client
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def _ensure(self, model: str, dimension: int) -> str:
        name = collection_name(model)
        with self._lock:
            if name in self._known or self._client.collection_exists(name):
                self._known.add(name)
                return name
            self._client.create_collection(
                name,
                vectors_config={
                    "dense": models.VectorParams(size=dimension, distance=models.Distance.COSINE)
                },
                sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            tenant_index = models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
            self._client.create_payload_index(name, "tenant_id", field_schema=tenant_index)
            for field in ("bot_id", "source_id", "live"):
                self._client.create_payload_index(name, field, field_schema=models.PayloadSchemaType.KEYWORD)
            self._known.add(name)
            return name

    def _collections(self) -> list[str]:
        return [c.name for c in self._client.get_collections().collections if c.name.startswith(PREFIX)]

    def upsert(self, *, model: str, points: list[VectorPoint]) -> None:
        if not points:
            return
        with _unavailable():
            name = self._ensure(model, len(points[0].dense))
            structs = [
                models.PointStruct(
                    id=p.id, vector={"dense": p.dense, "bm25": _sparse(p.sparse)}, payload=p.payload
                )
                for p in points
            ]
            self._client.upsert(name, points=structs, wait=True)

    def delete_source(self, *, tenant_id: str, source_id: str, keep_version: int | None = None) -> None:
        must: list[Any] = [_match("tenant_id", tenant_id), _match("source_id", source_id)]
        must_not = [_match("live", f"{source_id}:{keep_version}")] if keep_version is not None else []
        self._delete(models.Filter(must=must, must_not=must_not))

    def delete_bot(self, *, tenant_id: str, bot_id: str) -> None:
        self._delete(models.Filter(must=[_match("tenant_id", tenant_id), _match("bot_id", bot_id)]))

    def _delete(self, selector: models.Filter) -> None:
        with _unavailable():
            for name in self._collections():
                self._client.delete(name, points_selector=models.FilterSelector(filter=selector), wait=True)

    def count(self, *, tenant_id: str, source_id: str | None = None) -> int:
        must: list[Any] = [_match("tenant_id", tenant_id)]
        if source_id:
            must.append(_match("source_id", source_id))
        with _unavailable():
            return sum(
                self._client.count(name, count_filter=models.Filter(must=must), exact=True).count
                for name in self._collections()
            )

    def search(self, query: VectorQuery) -> list[VectorHit]:
        name = collection_name(query.model)
        if not query.live_tags:
            return []
        with _unavailable():
            if not self._client.collection_exists(name):
                return []
            found = self._query(name, query, _query_filter(query))
        return [VectorHit(id=str(p.id), score=p.score, payload=p.payload or {}) for p in found]

    def _query(self, name: str, q: VectorQuery, flt: models.Filter) -> list[models.ScoredPoint]:
        sparse = _sparse(q.sparse)
        if q.mode == "sparse" and not q.sparse.indices:
            return []
        if q.mode == "dense" or not q.sparse.indices:
            return self._client.query_points(
                name, query=q.dense, using="dense", query_filter=flt, limit=q.limit, with_payload=True
            ).points
        if q.mode == "sparse":
            return self._client.query_points(
                name, query=sparse, using="bm25", query_filter=flt, limit=q.limit, with_payload=True
            ).points
        depth = max(q.limit * 4, 20)
        prefetch = [
            models.Prefetch(query=q.dense, using="dense", filter=flt, limit=depth),
            models.Prefetch(query=sparse, using="bm25", filter=flt, limit=depth),
        ]
        fusion = models.Fusion.DBSF if q.fusion == "weighted" else models.Fusion.RRF
        return self._client.query_points(
            name, prefetch=prefetch, query=models.FusionQuery(fusion=fusion), limit=q.limit, with_payload=True
        ).points

    def ping(self) -> None:
        with _unavailable():
            self._client.get_collections()


def _query_filter(q: VectorQuery) -> models.Filter:
    must: list[Any] = [
        _match("tenant_id", q.tenant_id),
        _match("bot_id", q.bot_id),
        models.FieldCondition(key="live", match=models.MatchAny(any=q.live_tags)),
    ]
    if q.source_ids:
        must.append(models.FieldCondition(key="source_id", match=models.MatchAny(any=q.source_ids)))
    return models.Filter(must=must)


@contextmanager
def _unavailable() -> Iterator[None]:
    """Transport failures of a Qdrant server become a 503; programming errors stay loud."""
    try:
        yield
    except (httpx.HTTPError, ResponseHandlingException, UnexpectedResponse, ConnectionError) as exc:
        raise DependencyUnavailableError("the vector store is unavailable") from exc


__all__ = ["PREFIX", "QdrantVectorStore", "collection_name", "local_client", "point_id"]
