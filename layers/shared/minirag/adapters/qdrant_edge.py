"""Qdrant Edge vector store: Qdrant's engine in-process, one shard folder per embedding model.

The embedded default. qdrant-client's local mode scores every point in Python; an edge shard uses payload
indexes and native scoring. Same collections, payloads, filters and fusion as QdrantVectorStore.

Durability: `update` appends to the shard's write-ahead log before it returns, which survives a crash of
the process. `flush` is an fsync that holds the GIL (0.1 s or so on these machines, stalling every API
thread), so it runs at most once per `flush_interval_s` after a write, and when the process exits.
Threads: the engine serves concurrent queries and updates itself and releases the GIL while it queries;
a lock per shard only orders our update-then-flush pairs and the close at exit.
"""

import atexit
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from minirag.adapters.vector_names import PREFIX, collection_name
from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.vectors import SparseVector, VectorHit, VectorPoint, VectorQuery

_INDEXED = ("tenant_id", "bot_id", "source_id", "live")
_RRF_K = 2  # Qdrant's default constant: fused scores match a Qdrant server and qdrant-client
_SHARD_KEY = re.compile(r"[a-z0-9-]{1,64}")
ShardKeys = Callable[[str], str | None]  # a tenant's dedicated shard key; None: the shared shard


def _shared(_: str) -> str | None:
    return None


@dataclass
class _Shard:
    edge: qe.EdgeShard
    lock: threading.Lock = field(default_factory=threading.Lock)
    flushed_at: float = field(default_factory=time.monotonic)


_shards: dict[Path, _Shard] = {}
_shards_lock = threading.Lock()


def _open(folder: Path, dimension: int | None) -> _Shard | None:
    """The engine locks a shard's WAL, so a second load in one process fails: every store shares this one.

    A missing shard is created when a dimension is given (the first upsert), else it stays missing.
    """
    if (shard := _shards.get(folder)) is not None:
        return shard
    with _shards_lock, _unavailable():
        if (shard := _shards.get(folder)) is not None:
            return shard
        if folder.is_dir():
            edge = qe.EdgeShard.load(str(folder))
        elif dimension is None:
            return None
        else:
            edge = qe.EdgeShard.create(str(folder), _config(dimension))
        for name in sorted(set(_INDEXED) - set(edge.info().payload_schema)):  # heals an interrupted create
            edge.update(qe.UpdateOperation.create_field_index(name, _keyword_index(name)))
        shard = _shards[folder] = _Shard(edge)
    atexit.register(_close, folder)
    return shard


def _close(folder: Path) -> None:
    with _shards_lock:
        shard = _shards.pop(folder, None)
    if shard is not None:
        with shard.lock:
            shard.edge.flush()
            shard.edge.close()


def close_shards(root: Path) -> None:
    """Flush and release the shards under root (tests, benchmarks); the next use opens them again."""
    root = root.resolve()
    for folder in [f for f in list(_shards) if f.parent == root]:
        _close(folder)


def _config(dimension: int) -> qe.EdgeConfig:
    """One search thread per query: the API already runs a query per request thread, and the engine's
    pool of one thread a core only added hand-offs (a hybrid query at 2,000 chunks: 3.6 -> 2.9 ms CPU
    alone, 4.0 -> 3.3 with four at once). Dense vectors stored as float16: a dense query is an exact scan
    bound by memory traffic, and half the bytes made it 3.5 -> 2.3 ms at 10,000 chunks of 1,536 dimensions
    (the vector process 11.0 -> 8.5 ms per chat in the side-by-side); scores change in the fourth digit
    and the retrieval evaluation not at all. Shards made before keep float32 (their own stored config)."""
    dense = qe.EdgeVectorParams(
        size=dimension, distance=qe.Distance.Cosine, datatype=qe.VectorStorageDatatype.Float16
    )
    return qe.EdgeConfig(
        vectors={"dense": dense},
        sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        max_search_threads=1,
    )


def _keyword_index(name: str) -> qe.KeywordIndexParams:
    return qe.KeywordIndexParams(is_tenant=name == "tenant_id")


def _sparse(vector: SparseVector) -> qe.SparseVector:
    return qe.SparseVector(vector.indices, vector.values)


def _match(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value))


class QdrantEdgeVectorStore:
    """`shard_keys` names the tenants that have a shard of their own (Qdrant's custom shard keys, tiered
    multitenancy: docs/scale.md): their points and queries go to the folder `<collection>--<key>`, every
    other tenant's to the shared folder. Deletes and counts filter on the tenant in every folder."""

    def __init__(self, path: Path, *, flush_interval_s: float = 5.0, shard_keys: ShardKeys = _shared) -> None:
        self._root = path.resolve()
        self._flush_interval_s = flush_interval_s
        self._shard_keys = shard_keys

    def _folder(self, model: str, tenant_id: str, key: str | None = None) -> Path:
        key = key or self._shard_keys(tenant_id)
        if key is None:
            return self._root / collection_name(model)
        if not _SHARD_KEY.fullmatch(key):
            raise ValueError(f"shard key {key!r}: 1 to 64 of a-z, 0-9 and -")
        return self._root / f"{collection_name(model)}--{key}"

    def _shards(self) -> list[_Shard]:
        with _unavailable():
            if not self._root.is_dir():
                return []
            folders = sorted(p for p in self._root.iterdir() if p.is_dir() and p.name.startswith(PREFIX))
        return [shard for folder in folders if (shard := _open(folder, None)) is not None]

    def _write(self, shard: _Shard, operation: qe.UpdateOperation) -> None:
        with shard.lock:
            shard.edge.update(operation)
            if time.monotonic() - shard.flushed_at >= self._flush_interval_s:
                with _unavailable():
                    shard.edge.flush()
                shard.flushed_at = time.monotonic()

    def upsert(self, *, model: str, points: list[VectorPoint]) -> None:
        if not points:
            return
        by_folder: dict[Path, list[qe.Point]] = {}
        for p in points:
            folder = self._folder(model, str(p.payload["tenant_id"]))
            by_folder.setdefault(folder, []).append(
                qe.Point(p.id, {"dense": p.dense, "bm25": _sparse(p.sparse)}, p.payload)
            )
        for folder, structs in by_folder.items():
            shard = _open(folder, len(points[0].dense))
            assert shard is not None
            self._write(shard, qe.UpdateOperation.upsert_points(structs))

    def move_tenant(self, *, model: str, tenant_id: str, key: str, switch: Callable[[], None]) -> int:
        """Moves a tenant's points from the shared shard to its own, `key`: copies them (the shared shard
        still answers its queries meanwhile), calls `switch` (which makes `shard_keys` name the key, where
        the deployment keeps it), copies what was written during the first copy, then deletes the shared
        copies (the second pass writes the same points again: upserts by id are idempotent). Returns how
        many distinct points moved."""
        source = _open(self._root / collection_name(model), None)
        if source is None:
            switch()
            return 0
        moved: set[Any] = set()
        self._copy(source, model, tenant_id, key, moved)
        switch()
        self._copy(source, model, tenant_id, key, moved)
        self._write(source, qe.UpdateOperation.delete_points_by_filter(_tenant(tenant_id)))
        return len(moved)

    def _copy(self, source: _Shard, model: str, tenant_id: str, key: str, copied: set[Any]) -> None:
        offset = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=256, filter=_tenant(tenant_id), with_payload=True, with_vector=True
            )
            records, offset = source.edge.scroll(request)
            if records:
                target = _open(self._folder(model, tenant_id, key), len(_dense(records[0])))
                assert target is not None
                structs = [qe.Point(r.id, r.vector, r.payload) for r in records if r.vector is not None]
                self._write(target, qe.UpdateOperation.upsert_points(structs))
                copied.update(r.id for r in records)
            if offset is None:
                return

    def delete_source(self, *, tenant_id: str, source_id: str, keep_version: int | None = None) -> None:
        must: list[Any] = [_match("tenant_id", tenant_id), _match("source_id", source_id)]
        keep = f"{source_id}:{keep_version}"
        must_not: list[Any] = [] if keep_version is None else [_match("live", keep)]
        self._delete(qe.Filter(must=must, must_not=must_not))

    def delete_bot(self, *, tenant_id: str, bot_id: str) -> None:
        self._delete(qe.Filter(must=[_match("tenant_id", tenant_id), _match("bot_id", bot_id)]))

    def _delete(self, selector: qe.Filter) -> None:
        for shard in self._shards():
            self._write(shard, qe.UpdateOperation.delete_points_by_filter(selector))

    def count(self, *, tenant_id: str, source_id: str | None = None) -> int:
        must: list[Any] = [_match("tenant_id", tenant_id)]
        if source_id:
            must.append(_match("source_id", source_id))
        request = qe.CountRequest(exact=True, filter=qe.Filter(must=must))
        return sum(shard.edge.count(request) for shard in self._shards())

    def search(self, query: VectorQuery) -> list[VectorHit]:
        if not query.live_tags:
            return []
        shard = _open(self._folder(query.model, query.tenant_id), None)
        if shard is None:
            return []
        found = _live_after(shard, query) if _post_filtered(query) else None
        if found is None:
            request = _request(query)  # its filter names every live tag: built only when asked
            found = shard.edge.query(request) if request is not None else []
        return [VectorHit(id=str(p.id), score=p.score, payload=p.payload or {}) for p in found]

    def ping(self) -> None:
        with _unavailable():
            self._root.mkdir(parents=True, exist_ok=True)
            next(self._root.iterdir(), None)


def _tenant(tenant_id: str) -> qe.Filter:
    return qe.Filter(must=[_match("tenant_id", tenant_id)])


def _dense(record: Any) -> list[float]:
    vector: Any = record.vector
    return list(vector["dense"]) if isinstance(vector, dict) else list(vector)


def _request(q: VectorQuery) -> qe.QueryRequest | None:
    """None without a live tag: nothing can match. A sparse query without a term matches nothing either."""
    if not q.live_tags:
        return None
    flt = _query_filter(q)
    sparse = qe.Query.Nearest(_sparse(q.sparse), using="bm25")
    dense = qe.Query.Nearest(q.dense, using="dense")
    if q.mode == "sparse":
        return qe.QueryRequest(limit=q.limit, query=sparse, filter=flt, with_payload=True)
    if q.mode == "dense" or not q.sparse.indices:
        return qe.QueryRequest(limit=q.limit, query=dense, filter=flt, with_payload=True)
    depth = max(q.limit * 4, 20)
    prefetches = [qe.Prefetch(depth, query=dense, filter=flt), qe.Prefetch(depth, query=sparse, filter=flt)]
    # Any: the stub types a fusion as Fusion, but the engine takes its nested Rrf and Dbsf classes
    fusion: Any = qe.Fusion.Dbsf() if q.fusion == "weighted" else qe.Fusion.Rrf(k=_RRF_K)
    return qe.QueryRequest(limit=q.limit, prefetches=prefetches, query=fusion, with_payload=True)


_POST_FILTER_TAGS = 32  # fewer live tags: the engine's own filter is cheap (and may select few points)


def _post_filtered(q: VectorQuery) -> bool:
    """Dense or sparse queries (a hybrid one fuses in the engine and needs the whole filter)."""
    single = q.mode == "dense" or (q.mode == "sparse" and bool(q.sparse.indices))
    return single and not q.source_ids and len(q.live_tags) > _POST_FILTER_TAGS


def _live_after(shard: _Shard, q: VectorQuery) -> list[Any] | None:
    """The live filter of a query, applied to its hits instead of every point. A bot's query names each
    source's live tag; checking that list on every point of the bot cost as much as the scoring itself (a
    dense query at 10,000 chunks and 667 sources: 8.7 ms of CPU with it, 4.9 without; a sparse one 0.64
    against 0.35). Nearly every point of a bot is live (old versions are deleted once the new one is in),
    so the engine is asked for twice the hits under the tenant and bot alone, and the non-live ones
    dropped: both searches are exact, so the first `limit` live hits of that ranking are the first `limit`
    of the live-filtered one. When too few are left (a re-ingestion halfway), None: the caller asks with
    the whole filter."""
    live = set(q.live_tags)
    wide = 2 * q.limit + 10
    flt = qe.Filter(must=[_match("tenant_id", q.tenant_id), _match("bot_id", q.bot_id)])
    nearest = (
        qe.Query.Nearest(q.dense, using="dense")
        if q.mode == "dense"
        else qe.Query.Nearest(_sparse(q.sparse), using="bm25")
    )
    ranked = shard.edge.query(qe.QueryRequest(limit=wide, query=nearest, filter=flt, with_payload=True))
    kept = [p for p in ranked if (p.payload or {}).get("live") in live]
    if len(kept) >= q.limit or len(ranked) < wide:  # enough, or the bot had no more points to give
        return kept[: q.limit]
    return None


def _query_filter(q: VectorQuery) -> qe.Filter:
    must: list[Any] = [
        _match("tenant_id", q.tenant_id),
        _match("bot_id", q.bot_id),
        qe.FieldCondition(key="live", match=qe.MatchAny(q.live_tags)),
    ]
    if q.source_ids:
        must.append(qe.FieldCondition(key="source_id", match=qe.MatchAny(q.source_ids)))
    return qe.Filter(must=must)


@contextmanager
def _unavailable() -> Iterator[None]:
    """Files that cannot be created, locked or synced become a 503; programming errors stay loud.

    The engine raises a bare Exception for its own failures; misuse from Python raises its subclasses.
    """
    try:
        yield
    except Exception as exc:
        if isinstance(exc, OSError) or type(exc) is Exception:
            raise DependencyUnavailableError("the vector store is unavailable") from exc
        raise
