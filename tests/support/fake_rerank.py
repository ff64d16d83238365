"""A rerank server of the Cohere protocol on 127.0.0.1: scripted preferences, faults, a request log.

POST /v1/rerank and /v2/rerank take {model, query, documents, top_n} and answer
{id, results: [{index, relevance_score}], meta}, best first. LiteLLM 1.106 posts `cohere/...` models to
<api_base>/v2/rerank (to /v1/rerank when the api_base ends with it), with `Authorization: Bearer <key>`.
Scores: documents containing one of `favour` (in that order) first, the others after them in the order
sent, all with decreasing scores. A request without the expected key gets Cohere's 401.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

type Mode = Literal["ok", "slow", "error", "garbage", "out_of_range"]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class FakeRerank:
    url: str = ""
    api_key: str | None = None  # None: any key, or none, is accepted
    favour: list[str] = field(default_factory=list)
    mode: Mode = "ok"
    delay_s: float = 20.0  # the slow mode's delay; released at once when the server stops
    received: list[Recorded] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def ranking(self, documents: list[str]) -> list[int]:
        def rank(index: int) -> tuple[int, int]:
            text = documents[index]
            hits = [n for n, word in enumerate(self.favour) if word.lower() in text.lower()]
            return (hits[0] if hits else len(self.favour), index)

        return sorted(range(len(documents)), key=rank)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake.received.append(Recorded(self.path, headers, body))
        if self.path not in ("/v1/rerank", "/v2/rerank"):
            return self._send(404, {"message": "no route"})
        if fake.api_key is not None and headers.get("authorization") != f"Bearer {fake.api_key}":
            return self._send(401, {"message": "invalid api token"})
        if fake.mode == "slow":
            fake.released.wait(fake.delay_s)
        if fake.mode == "error":
            return self._send(500, {"message": "internal server error"})
        if fake.mode == "garbage":
            return self._send(200, b"<html>surprise</html>")
        order = fake.ranking([str(d) for d in body["documents"]])[: body.get("top_n") or None]
        if fake.mode == "out_of_range":
            order = [len(body["documents"]) + 5]
        results = [{"index": i, "relevance_score": round(0.99 - 0.04 * n, 4)} for n, i in enumerate(order)]
        self._send(
            200, {"id": "fake-rerank", "results": results, "meta": {"billed_units": {"search_units": 1}}}
        )

    def _send(self, status: int, payload: Any) -> None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            return  # the client gave up waiting (the slow mode)

    def log_message(self, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeRerank) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def fake_rerank(**settings: Any) -> Iterator[FakeRerank]:
    fake = FakeRerank(**settings)
    server = _Server(fake)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        server.shutdown()
        server.server_close()
