"""A stand-in Qdrant server for the original MiniRAG in the side-by-side benchmark.

The original talks to Qdrant over REST (AsyncQdrantClient(url=QDRANT_URL)) from two processes, its API and
its ARQ worker, so an in-memory client inside either would not see the other's points. This process
serves the REST calls the original makes (collections, upsert, delete by filter, query_points) from
qdrant-client's local mode (brute force in numpy) and counts the time spent answering queries, so the
benchmark can report the original with and without its vector search.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.qdrant_standin --port 6333
"""

import argparse
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qdrant_client import QdrantClient
from qdrant_client.http import models

type Json = Any


class Store:
    """qdrant-client local mode behind one lock (it is not thread-safe), with query time counted."""

    def __init__(self) -> None:
        self.client = QdrantClient(location=":memory:")
        self.lock = threading.Lock()
        self.queries = 0
        self.query_wall_s = 0.0
        self.query_cpu_s = 0.0

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
        self.queries += 1
        self.query_wall_s += time.perf_counter() - wall
        self.query_cpu_s += time.thread_time() - cpu
        return result

    def stats(self, _name: str, _body: Json) -> Json:
        return {"queries": self.queries, "query_wall_s": self.query_wall_s, "query_cpu_s": self.query_cpu_s}


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
    if isinstance(result, models.BaseModel):
        return result.model_dump(mode="json", exclude_none=True)
    if isinstance(result, bool | dict):
        return result
    return result


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
            with self.server.store.lock:
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

    def __init__(self, port: int) -> None:
        self.store = Store()
        super().__init__(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6333)
    args = parser.parse_args()
    server = Server(args.port)
    print(f"qdrant stand-in on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
