"""A loopback origin for the original MiniRAG's dashboard: its static files plus a proxy to our API.

The original dashboard calls the API at `window.location.origin` (its js/api.js), so it must be served from
the same origin as the API it talks to. This server serves the checkout's `dashboard/` directory under
/dashboard/ (where its index.html loads its css and js from), forwards /v1/... and /health to our API
unchanged (streaming, so the chat's server-sent events arrive as they are sent), and serves small fixture
pages under /fixture/ for URL sources to fetch.
"""

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "upgrade"}
FIXTURE_PAGES = {
    "handbook": "<html><head><title>Handbook</title></head><body><h1>Handbook</h1>"
    "<p>Our support desk answers every ticket within one business day.</p></body></html>",
    "pricing": "<html><head><title>Pricing</title></head><body><h1>Pricing</h1>"
    "<p>The team plan costs 49 euros a month and includes five seats.</p></body></html>",
    "faq": "<html><head><title>FAQ</title></head><body><h1>FAQ</h1>"
    "<p>Refunds are possible within thirty days of purchase.</p></body></html>",
}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PATCH(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1/") or path == "/health":
            self._proxy()
        elif path.startswith("/dashboard/"):
            self._static(path.removeprefix("/dashboard/") or "index.html")
        elif path.startswith("/fixture/") and path.removeprefix("/fixture/") in FIXTURE_PAGES:
            self._send(
                200, "text/html; charset=utf-8", FIXTURE_PAGES[path.removeprefix("/fixture/")].encode()
            )
        elif path == "/":
            self.send_response(302)
            self.send_header("Location", "/dashboard/")
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _static(self, relative: str) -> None:
        root = self.server.dashboard_dir
        target = (root / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            self._send(404, "text/plain", b"not found")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, content_type, target.read_bytes())

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        url = self.server.api_base + self.path
        with self.server.client.stream(self.command, url, content=body, headers=headers) as upstream:
            self.send_response(upstream.status_code)
            for name, value in upstream.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in upstream.iter_raw():
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away (a reload cancels the page's polls)
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, dashboard_dir: Path, api_base: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.dashboard_dir = dashboard_dir.resolve()
        self.api_base = api_base.rstrip("/")
        # No kept-alive connections: uvicorn closes idle ones after 5 s, and a request sent on one it has
        # just closed fails without an answer (a browser would retry; a proxy must not guess).
        self.client = httpx.Client(
            timeout=httpx.Timeout(120.0, connect=5.0), limits=httpx.Limits(max_keepalive_connections=0)
        )


@contextmanager
def serve_dashboard(dashboard_dir: Path, api_base: str) -> Iterator[str]:
    """Serves the original's dashboard at <origin>/dashboard/ with /v1 proxied to `api_base`."""
    server = _Server(dashboard_dir, api_base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.client.close()
        thread.join(5)
