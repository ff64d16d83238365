"""An HTTP proxy in front of the local AWS endpoint that fails DynamoDB calls on demand: throttling errors,
connections closed without an answer, answers that never come (read timeouts), and calls applied whose
answer is lost (the SDK then sends them again)."""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Answer = Callable[[str, bytes], bytes | None]

THROTTLED = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}'


INTERNAL = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}'
)


@dataclass
class Faults:
    """`mode`: "throttle" (a 400 ThrottlingException), "close" (the connection closed with no answer),
    "stall" (no answer for `stall_seconds`, then closed), "lose" (the call is applied under a fresh
    idempotency token, as if the retry came after the token's window, and answered with a 500).
    `only` limits the faults to one operation (e.g. "TransactWriteItems"); `pass_first` lets that many
    matching calls through first. `answer(target, body)`, when set, sees every DynamoDB call first and
    may answer it with a 400 body of its own (None sends the call on)."""

    url: str = ""
    fail_next: int = 0  # -1: fail every DynamoDB call
    failed: int = 0
    mode: str = "throttle"
    only: str = ""
    pass_first: int = 0
    stall_seconds: float = 2.0
    answer: Answer | None = None

    def take(self, target: str = "") -> bool:
        if self.only and not target.endswith(f".{self.only}"):
            return False
        if self.fail_next == 0:
            return False
        if self.pass_first > 0:
            self.pass_first -= 1
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
            target = self.headers.get("X-Amz-Target", "")
            own = faults.answer(target, body) if faults.answer and target.startswith("DynamoDB_") else None
            if own is not None:
                self._answer(400, own, {"Content-Type": "application/x-amz-json-1.0"})
                return
            with lock:
                fail = target.startswith("DynamoDB_") and faults.take(target)
            if fail and faults.mode in ("close", "stall"):
                time.sleep(faults.stall_seconds if faults.mode == "stall" else 0)
                self.close_connection = True
                return
            if fail and faults.mode == "throttle":
                self._answer(400, THROTTLED, {"Content-Type": "application/x-amz-json-1.0"})
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            if fail:  # "lose": applied, then the answer is lost
                sent = json.loads(body)
                if "ClientRequestToken" in sent:
                    sent["ClientRequestToken"] = str(uuid.uuid4())
                client.post(self.path, content=json.dumps(sent).encode(), headers=headers)
                self._answer(500, INTERNAL, {"Content-Type": "application/x-amz-json-1.0"})
                return
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
