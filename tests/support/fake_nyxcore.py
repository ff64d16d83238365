"""A NyxCore (Axiom RAG API) server on 127.0.0.1: scripted documents and results, faults, a request log.

Speaks the two routes MiniRAG calls: GET /api/v1/rag/documents (the connection check) and POST
/api/v1/rag/search. A request without the expected Bearer token gets the 401 NyxCore answers.
"""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

TOKEN = "nyx_ax_fake_token_0123456789"

DOCUMENTS: list[dict[str, Any]] = [
    {"id": "nyx-doc-001", "filename": "hr-handbuch.md", "status": "ready", "chunkCount": 12},
    {"id": "nyx-doc-002", "filename": "coding-standards.md", "status": "ready", "chunkCount": 5},
    {"id": "nyx-doc-003", "filename": "draft.md", "status": "processing", "chunkCount": 0},
]

RESULTS: list[dict[str, Any]] = [
    {
        "content": "Guideline: book holidays in the HR portal two weeks ahead.",
        "heading": "Booking",
        "filename": "holiday-guide.md",
        "authority": "guideline",
        "score": 0.91,
        "chunkId": "nyx-chunk-guide",
        "documentId": "nyx-doc-002",
    },
    {
        "content": "Mandatory: holidays over ten days need the manager's written approval.",
        "heading": "Approval",
        "filename": "hr-handbuch.md",
        "authority": "mandatory",
        "score": 0.42,
        "chunkId": "nyx-chunk-rule",
        "documentId": "nyx-doc-001",
    },
]

type Mode = Literal["ok", "slow", "garbage", "error", "not_ok", "redirect"]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class FakeNyxCore:
    url: str = ""
    token: str = TOKEN
    documents: list[dict[str, Any]] = field(default_factory=lambda: list(DOCUMENTS))
    results: list[dict[str, Any]] = field(default_factory=lambda: list(RESULTS))
    mode: Mode = "ok"
    redirect_to: str = ""  # the redirect mode's Location
    delay_s: float = 20.0  # the slow mode's delay; released at once when the server stops
    received: list[Recorded] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def searches(self) -> list[Recorded]:
        return [r for r in self.received if r.path == "/api/v1/rag/search"]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        self._answer(lambda fake: {"ok": True, "documents": fake.documents}, None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        self._answer(lambda fake: {"ok": True, "results": fake.results, "requestId": "req-1"}, body)

    def _answer(self, payload: Any, body: Any) -> None:
        fake = self.server.fake
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake.received.append(Recorded(self.command, self.path, headers, body))
        route = "/api/v1/rag/search" if self.command == "POST" else "/api/v1/rag/documents"
        if self.path != route:
            return self._send(404, {"ok": False, "error": {"code": "NOT_FOUND", "message": "no route"}})
        if headers.get("authorization") != f"Bearer {fake.token}":
            return self._send(401, {"ok": False, "error": {"code": "UNAUTHORIZED", "message": "bad token"}})
        if fake.mode == "slow":
            fake.released.wait(fake.delay_s)
        if fake.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", fake.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fake.mode == "garbage":
            return self._send(200, b"<html>surprise</html>")
        if fake.mode == "error":
            return self._send(500, {"ok": False, "error": {"code": "INTERNAL", "message": "boom"}})
        if fake.mode == "not_ok":
            return self._send(200, {"ok": False, "error": {"code": "QUOTA", "message": "over quota"}})
        self._send(200, payload(fake))

    def _send(self, status: int, payload: Any) -> None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            return  # the client gave up waiting (the slow mode): nothing to tell it

    def log_message(self, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeNyxCore) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def fake_nyxcore() -> Iterator[FakeNyxCore]:
    fake = FakeNyxCore()
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


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
