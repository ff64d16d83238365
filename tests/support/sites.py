"""A tiny website on 127.0.0.1 for URL and sitemap sources: pages are set per test."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hits: dict[str, int] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> str:
        self.pages[path] = (content_type, body.encode() if isinstance(body, str) else body)
        return self.base + path


@contextmanager
def serve_site() -> Iterator[Site]:
    site: Site

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            if self.path not in site.pages:
                self.send_error(404)
                return
            content_type, body = site.pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site = Site(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
