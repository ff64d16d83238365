"""One local AWS endpoint in front of two emulators: DynamoDB calls to DynamoDB Local, the rest to LocalStack.

The application, the local runner and the tests all take a single AWS_ENDPOINT_URL (PynamoDB has no
per-service endpoint setting of its own), so the emulator tier puts this router at that URL. A request is
DynamoDB's when its SigV4 credential scope names the dynamodb service (or its X-Amz-Target says so); the
request goes on unchanged (method, path, headers, body) and the answer comes back unchanged.
"""

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import SplitResult, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})


def service_of(headers: dict[str, str]) -> str:
    """The AWS service a request is for, from its signature scope; "" when unsigned (presigned URLs)."""
    match = _SCOPE.search(headers.get("authorization", ""))
    if match:
        return match.group(1)
    target = headers.get("x-amz-target", "")
    return "dynamodb" if target.startswith(("DynamoDB_", "DynamoDBStreams_")) else ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write and the body in another: with Nagle's algorithm on,
    # the body then waits for the client's delayed ACK (40 ms a call, measured).
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the emulators log on their own."""

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _forward(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        upstream = self.server.dynamodb if service_of(headers) == "dynamodb" else self.server.default
        body = self._body()
        forwarded = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if body or "content-length" in headers or "transfer-encoding" in headers:
            forwarded["Content-Length"] = str(len(body))
        try:
            response, payload = self._upstream(upstream, body, forwarded)
        except (OSError, http.client.HTTPException) as exc:
            self.send_error(502, f"emulator unreachable: {exc}")
            return
        self.send_response_only(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _upstream(
        self, upstream: SplitResult, body: bytes, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Over a kept-alive connection of this client connection's thread; a stale one is opened again once."""
        key = (upstream.hostname or "127.0.0.1", upstream.port or 80)
        for attempt in (1, 2):
            connection = self._connections.get(key)
            if connection is None:
                connection = self._connections[key] = http.client.HTTPConnection(*key, timeout=60)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                return response, response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                del self._connections[key]
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def setup(self) -> None:
        super().setup()
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def finish(self) -> None:
        for connection in self._connections.values():
            connection.close()
        super().finish()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dynamodb: str, default: str) -> None:
        super().__init__(address, _Handler)
        self.dynamodb, self.default = urlsplit(dynamodb), urlsplit(default)


class Router:
    """`with Router(dynamodb_url, default_url, port=0) as router:` serves on router.url."""

    def __init__(
        self, dynamodb_url: str, default_url: str, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._server = _Server((host, port), dynamodb_url, default_url)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1})
        self._thread.daemon = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "Router":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Router":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
