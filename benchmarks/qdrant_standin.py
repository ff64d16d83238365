"""A stand-in Qdrant server for the original MiniRAG in the side-by-side benchmark.

The original talks to Qdrant over REST (AsyncQdrantClient(url=QDRANT_URL)) from two processes, its API and
its ARQ worker, so an in-memory client inside either would not see the other's points. This process
serves the REST calls the original makes (collections, upsert, delete by filter, query_points) and counts
the CPU spent answering queries, so the benchmark can report the original with and without its search.
Two engines: `edge` (qdrant-edge-py, Qdrant's own engine in process with payload indexes, as a Qdrant
server would search; our embedded default uses the same) and `local` (qdrant-client's local mode: every
point scored in Python, much slower as collections grow).

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.qdrant_standin --port 6333 [--engine local]
"""

import argparse
import json
import re
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import qdrant_edge as qe
from qdrant_client import QdrantClient
from qdrant_client.http import models

type Json = Any


class Counted:
    """Query counts and time, shared by both engines."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._counting = threading.Lock()
        self.queries = 0
        self.query_wall_s = 0.0
        self.query_cpu_s = 0.0

    def guard(self, action: str) -> Any:
        """The lock around an action: local mode is not thread-safe (everything is serialised)."""
        return self.lock

    def count(self, wall: float, cpu: float) -> None:
        with self._counting:
            self.queries += 1
            self.query_wall_s += time.perf_counter() - wall
            self.query_cpu_s += time.thread_time() - cpu

    def stats(self, _name: str, _body: Json) -> Json:
        return {"queries": self.queries, "query_wall_s": self.query_wall_s, "query_cpu_s": self.query_cpu_s}


class LocalStore(Counted):
    """qdrant-client local mode behind one lock (it is not thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self.client = QdrantClient(location=":memory:")

    def collections(self, _name: str, _body: Json) -> Json:
        return self.client.get_collections()

    def collection(self, name: str, _body: Json) -> Json:
        return self.client.get_collection(name)

    def create(self, name: str, body: Json) -> Json:
        spec = models.CreateCollection.model_validate(body)
        return self.client.create_collection(name, vectors_config=spec.vectors)

    def upsert(self, name: str, body: Json) -> Json:
        points = models.PointsList.model_validate(body).points
        return self.client.upsert(name, points=points)

    def delete(self, name: str, body: Json) -> Json:
        selector: Any = (
            models.FilterSelector.model_validate(body)
            if "filter" in body
            else models.PointIdsList.model_validate(body)
        )
        return self.client.delete(name, points_selector=selector)

    def query(self, name: str, body: Json) -> Json:
        request = models.QueryRequest.model_validate(body)
        query = request.query
        if isinstance(query, models.NearestQuery):
            query = query.nearest
        wall, cpu = time.perf_counter(), time.thread_time()
        result = self.client.query_points(
            name,
            query=query,
            query_filter=request.filter,
            limit=request.limit or 10,
            score_threshold=request.score_threshold,
            with_payload=request.with_payload if request.with_payload is not None else True,
            with_vectors=request.with_vector or False,
        )
        self.count(wall, cpu)
        return result


class EdgeStore(Counted):
    """Qdrant's engine in process (qdrant-edge-py): one shard per collection, keyword payload indexes on the
    fields the original filters by. Queries run in parallel (the engine releases the GIL); writes take
    the lock."""

    INDEXED = ("tenant_id", "bot_profile_id", "source_id")

    def __init__(self, root: Path | None = None) -> None:
        super().__init__()
        self.root = root or Path(tempfile.mkdtemp(prefix="minirag-standin-edge-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.shards: dict[str, qe.EdgeShard] = {}
        self.sizes: dict[str, int] = {}

    def guard(self, action: str) -> Any:
        return nullcontext() if action in ("query", "stats", "collections", "collection") else self.lock

    def collections(self, _name: str, _body: Json) -> Json:
        return {"collections": [{"name": name} for name in self.shards]}

    def collection(self, name: str, _body: Json) -> Json:
        if name not in self.shards:
            raise KeyError(f"Collection `{name}` doesn't exist!")
        return {"status": "green", "points_count": self.shards[name].count(qe.CountRequest(exact=True))}

    def create(self, name: str, body: Json) -> Json:
        if name in self.shards:
            raise ValueError(f"Wrong input: Collection `{name}` already exists!")
        spec = models.CreateCollection.model_validate(body)
        assert isinstance(spec.vectors, models.VectorParams), "one unnamed vector, as the original uses"
        config = qe.EdgeConfig(
            vectors={"dense": qe.EdgeVectorParams(size=spec.vectors.size, distance=qe.Distance.Cosine)},
            # On the calling thread: with the engine's own pool the query ran on its threads, and the
            # thread CPU counted in `query_cpu_s` missed nearly all of it (0.2 ms a chat at 10k chunks).
            max_search_threads=1,
        )
        shard = qe.EdgeShard.create(str(self.root / name), config)
        for field in self.INDEXED:
            shard.update(
                qe.UpdateOperation.create_field_index(
                    field, qe.KeywordIndexParams(is_tenant=field == "tenant_id")
                )
            )
        self.shards[name], self.sizes[name] = shard, spec.vectors.size
        return True

    def upsert(self, name: str, body: Json) -> Json:
        points = models.PointsList.model_validate(body).points
        structs = [qe.Point(str(p.id), {"dense": _dense(p.vector)}, p.payload or {}) for p in points]
        self.shards[name].update(qe.UpdateOperation.upsert_points(structs))
        return None

    def delete(self, name: str, body: Json) -> Json:
        selector = models.FilterSelector.model_validate(body)
        flt = _edge_filter(selector.filter)
        assert flt is not None
        self.shards[name].update(qe.UpdateOperation.delete_points_by_filter(flt))
        return None

    def query(self, name: str, body: Json) -> Json:
        request = models.QueryRequest.model_validate(body)
        query = request.query.nearest if isinstance(request.query, models.NearestQuery) else request.query
        wall, cpu = time.perf_counter(), time.thread_time()
        search = qe.QueryRequest(
            limit=request.limit or 10,
            query=qe.Query.Nearest(_dense(query), using="dense"),
            filter=_edge_filter(request.filter),
            with_payload=True,
        )
        found = [
            p
            for p in self.shards[name].query(search)
            if request.score_threshold is None or p.score >= request.score_threshold
        ]
        self.count(wall, cpu)
        return {
            "points": [{"id": str(p.id), "version": 0, "score": p.score, "payload": p.payload} for p in found]
        }


def _dense(vector: Any) -> list[float]:
    """The original sends plain dense vectors (a list of floats); anything else is not a query it makes."""
    assert isinstance(vector, list), type(vector)
    return vector


def _edge_filter(flt: models.Filter | None) -> qe.Filter | None:
    """The original's filters: `must` of FieldCondition(key, MatchValue)."""
    if flt is None:
        return None
    must = flt.must if isinstance(flt.must, list) else [flt.must] if flt.must else []
    conditions: list[Any] = []
    for c in must:
        assert isinstance(c, models.FieldCondition) and isinstance(c.match, models.MatchValue), c
        conditions.append(qe.FieldCondition(key=c.key, match=qe.MatchValue(c.match.value)))
    return qe.Filter(must=conditions)


ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/collections"), "collections"),
    ("GET", re.compile(r"/collections/(?P<name>[^/]+)"), "collection"),
    ("PUT", re.compile(r"/collections/(?P<name>[^/]+)"), "create"),
    ("PUT", re.compile(r"/collections/(?P<name>[^/]+)/points"), "upsert"),
    ("POST", re.compile(r"/collections/(?P<name>[^/]+)/points/delete"), "delete"),
    ("POST", re.compile(r"/collections/(?P<name>[^/]+)/points/query"), "query"),
    ("GET", re.compile(r"/bench/stats"), "stats"),
]


def _encode(result: Json) -> Json:
    return (
        result.model_dump(mode="json", exclude_none=True) if isinstance(result, models.BaseModel) else result
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "Server"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        path = self.path.split("?", 1)[0]
        for method, pattern, action in ROUTES:
            match = pattern.fullmatch(path)
            if method == self.command and match:
                self._answer(getattr(self.server.store, action), match.groupdict().get("name", ""), body)
                return
        if path in ("/healthz", "/readyz", "/livez"):
            self._send(200, b"healthz check passed", "text/plain")
            return
        self._send(404, json.dumps({"status": {"error": f"no route {self.command} {path}"}}).encode())

    def _answer(self, action: Callable[[str, Json], Json], name: str, body: Json) -> None:
        started = time.perf_counter()
        try:
            with self.server.store.guard(action.__name__):
                result = _encode(action(name, body))
        except (ValueError, KeyError) as exc:
            self._send(400, json.dumps({"status": {"error": str(exc)}, "result": None}).encode())
            return
        if result is None:
            result = {"operation_id": 0, "status": "completed"}
        envelope = {"result": result, "status": "ok", "time": time.perf_counter() - started}
        self._send(200, json.dumps(envelope).encode())

    def _send(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, engine: str = "edge", data: Path | None = None) -> None:
        self.store: Counted = EdgeStore(data) if engine == "edge" else LocalStore()
        super().__init__(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6333)
    parser.add_argument("--engine", choices=["edge", "local"], default="edge")
    parser.add_argument("--data", type=Path, help="the edge engine's folder (default: a new temporary one)")
    args = parser.parse_args()
    server = Server(args.port, args.engine, args.data)
    print(f"qdrant stand-in ({args.engine}) on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
