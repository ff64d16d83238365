"""An HTTP proxy in front of the local AWS endpoint that answers DynamoDB calls with throttling errors on demand."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

THROTTLED = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}'


@dataclass
class Faults:
    url: str = ""
    fail_next: int = 0  # -1: fail every DynamoDB call
    failed: int = 0

    def take(self) -> bool:
        if self.fail_next == 0:
            return False
        if self.fail_next > 0:
            self.fail_next -= 1
        self.failed += 1
        return True


@contextmanager
def faulty_dynamodb(upstream: str) -> Iterator[Faults]:
    faults = Faults()
    lock = threading.Lock()
    client = httpx.Client(base_url=upstream, timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            is_dynamo = self.headers.get("X-Amz-Target", "").startswith("DynamoDB_")
            with lock:
                fail = is_dynamo and faults.take()
            if fail:
                self._answer(400, THROTTLED, {"Content-Type": "application/x-amz-json-1.0"})
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            upstream_response = client.post(self.path, content=body, headers=headers)
            passthrough = {
                k: v
                for k, v in upstream_response.headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding")
            }
            self._answer(upstream_response.status_code, upstream_response.content, passthrough)

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    faults.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield faults
    finally:
        server.shutdown()
        server.server_close()
        client.close()
