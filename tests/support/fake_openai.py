"""A real HTTP server speaking enough of the OpenAI protocol for LiteLLM and the openai SDK.

Tests script it (reply text, delays, faults) and read back what it received, so the adapters are exercised
over the same HTTP path (SSE streaming, usage, error statuses, dropped sockets) they meet in production.
"""

import base64
import hashlib
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

type Json = dict[str, Any]
type Reply = str | Callable[[Json], str]

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


class RecordedRequest(NamedTuple):
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class _Fault:
    """One scripted misbehaviour; `remaining` None means every request until `clear_faults()`."""

    kind: Literal["status", "hang", "disconnect"]
    remaining: int | None
    status: int = 500
    retry_after: float | None = None
    message: str | None = None
    seconds: float = 0.0
    n_chunks: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops SYNs under concurrent clients

    def __init__(self, fake: "FakeOpenAI") -> None:
        self.fake = fake
        self.open_connections: dict[socket.socket, threading.Thread] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)


def split_deltas(text: str) -> list[str]:
    """Word pieces with their leading whitespace, so the pieces concatenate back to `text` exactly."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[sum(map(len, pieces)) :]
    if rest and pieces:
        pieces[-1] += rest
    elif rest:
        pieces = [rest]
    return pieces


def count_words(value: Any) -> int:
    """A deterministic stand-in for a tokenizer: words in every string found in the value."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(count_words(v) for k, v in value.items() if k in {"content", "text", "input"})
    if isinstance(value, list):
        return sum(1 if isinstance(v, int) else count_words(v) for v in value)
    return 0


def fake_vector(item: Any, dimension: int) -> list[float]:
    """A unit vector derived from a hash of the input, identical across runs and processes."""
    seed = json.dumps(item, sort_keys=True).encode()
    raw = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(dimension // 8 + 1))
    values = [(int.from_bytes(raw[4 * i : 4 * i + 4], "big") / 2**31) - 1.0 for i in range(dimension)]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [v / norm for v in values]


class FakeOpenAI:
    """`with FakeOpenAI() as fake:` serves /v1/chat/completions, /v1/embeddings and /v1/models on loopback.

    Faults queue up in call order; each is consumed by the next request(s) of any endpoint.
    """

    def __init__(
        self,
        *,
        reply: Reply = "Hello from the fake model.",
        embedding_dim: int = 8,
        required_api_key: str | None = None,
        first_token_delay_s: float = 0.0,
        token_delay_s: float = 0.0,
        models: tuple[str, ...] = ("fake-model", "fake-embed"),
        shutdown_timeout_s: float = 2.0,
    ) -> None:
        self.reply: Reply = reply
        self.embedding_dim = embedding_dim
        self.required_api_key = required_api_key
        self.first_token_delay_s = first_token_delay_s
        self.token_delay_s = token_delay_s
        self.models = models
        self.shutdown_timeout_s = shutdown_timeout_s
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self.stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Wake sleeping handlers, drop kept-alive connections and wait (bounded) for every thread."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        with server.lock:
            connections = dict(server.open_connections)
        for conn in connections:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        deadline = time.monotonic() + self.shutdown_timeout_s
        for thread in [*connections.values(), self._thread]:
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    # scripting

    def fail_with(
        self,
        status: int = 500,
        *,
        retry_after: float | None = None,
        message: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer the next `times` requests (None: all of them) with an OpenAI-style JSON error."""
        self._add(_Fault("status", times, status=status, retry_after=retry_after, message=message))

    def hang(self, seconds: float, *, times: int | None = None) -> None:
        """Sleep before answering (interrupted by shutdown), to trip client timeouts."""
        self._add(_Fault("hang", times, seconds=seconds))

    def disconnect_after(self, n_chunks: int, *, times: int | None = None) -> None:
        """Stream `n_chunks` content deltas, then drop the socket mid-body with no finish chunk or [DONE]."""
        self._add(_Fault("disconnect", times, n_chunks=n_chunks))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be at least 1, or None for every request")
        with self._lock:
            self._faults.append(fault)

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.popleft()
            return fault

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _new_id(self) -> int:
        with self._lock:
            return next(self._ids)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as real servers set it (uvicorn, nginx's tcp_nodelay): with Nagle on, a JSON answer's
    # body waited for the ACK of its headers, which the client delays by up to 40 ms, on every call.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.open_connections[self.connection] = threading.current_thread()

    def handle(self) -> None:
        """A client that resets a kept-alive socket (or gives up on a stream) is normal here, not an error."""
        with suppress(ConnectionError):
            super().handle()

    def finish(self) -> None:
        with self.server.lock:
            self.server.open_connections.pop(self.connection, None)
        with suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._serve(body)

    def _serve(self, body: Any) -> None:
        fake = self.server.fake
        path = self.path.split("?", 1)[0]
        fake._record(RecordedRequest(path, {k.lower(): v for k, v in self.headers.items()}, body))
        self._route(fake, path, body)

    def _route(self, fake: FakeOpenAI, path: str, body: Any) -> None:
        if fake.required_api_key is not None and self.headers.get("Authorization") != (
            f"Bearer {fake.required_api_key}"
        ):
            self._error(401, "Incorrect API key provided.")
            return
        fault = fake._next_fault()
        if fault is not None and fault.kind == "status":
            self._error(fault.status, fault.message, retry_after=fault.retry_after)
            return
        if fault is not None and fault.kind == "hang" and fake.stopping.wait(fault.seconds):
            self.close_connection = True
            return
        cut_after = fault.n_chunks if fault is not None and fault.kind == "disconnect" else None
        if self.command == "POST" and path == "/v1/chat/completions":
            self._chat(fake, body, cut_after)
        elif cut_after is not None:
            self._drop()
        elif self.command == "POST" and path == "/v1/embeddings":
            self._embeddings(fake, body)
        elif self.command == "GET" and path == "/v1/models":
            self._json(200, {"object": "list", "data": [self._model(m) for m in fake.models]})
        elif self.command == "GET" and path.startswith("/v1/models/"):
            self._json(200, self._model(path.removeprefix("/v1/models/")))
        else:
            self._error(404, f"Unknown request URL: {self.command} {path}.")

    # chat

    def _chat(self, fake: FakeOpenAI, body: Any, cut_after: int | None) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
            self._error(400, "'model' and 'messages' are required properties.")
            return
        try:
            reply = fake.reply(body) if callable(fake.reply) else fake.reply
        except Exception as exc:
            self._error(500, f"The test's reply callable raised {exc!r}")
            return
        deltas = split_deltas(reply)
        usage = {
            "prompt_tokens": count_words(body["messages"]),
            "completion_tokens": len(deltas),
            "total_tokens": count_words(body["messages"]) + len(deltas),
        }
        base = {
            "id": f"chatcmpl-fake{fake._new_id()}",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
        }
        if body.get("stream"):
            self._stream(fake, body, deltas, base, usage, cut_after)
            return
        if cut_after is not None:
            self._drop()
            return
        if fake.stopping.wait(fake.first_token_delay_s + fake.token_delay_s * max(0, len(deltas) - 1)):
            self.close_connection = True
            return
        message = {"role": "assistant", "content": reply, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        self._json(200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage})

    def _stream(
        self, fake: FakeOpenAI, body: Json, deltas: list[str], base: Json, usage: Json, cut_after: int | None
    ) -> None:
        options = body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage"))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_fake{fake._new_id()}")
        self.end_headers()

        def chunk(delta: Json, finish_reason: str | None = None) -> Json:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            frame = {**base, "object": "chat.completion.chunk", "choices": [choice]}
            return {**frame, "usage": None} if include_usage else frame

        if fake.stopping.wait(fake.first_token_delay_s):
            self._drop()
            return
        self._send_event(chunk({"role": "assistant", "content": "", "refusal": None}))
        for i, delta in enumerate(deltas):
            if cut_after is not None and i >= cut_after:
                self._drop()
                return
            if i and fake.stopping.wait(fake.token_delay_s):
                self._drop()
                return
            self._send_event(chunk({"content": delta}))
        if cut_after is not None:
            self._drop()
            return
        self._send_event(chunk({}, "stop"))
        if include_usage:
            self._send_event({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        self._send_chunk(b"data: [DONE]\n\n")
        self._send_chunk(b"")

    def _send_event(self, payload: Json) -> None:
        self._send_chunk(b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n")

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the socket without finishing the body, as a crashed upstream or a cut network would."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # embeddings, models

    def _embeddings(self, fake: FakeOpenAI, body: Any) -> None:
        inputs = body.get("input") if isinstance(body, dict) else None
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            self._error(400, "'input' is a required property.")
            return
        dimension = int(body.get("dimensions") or fake.embedding_dim)
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, item in enumerate(inputs):
            vector = fake_vector(item, dimension)
            encoded: Any = vector
            if as_base64:
                encoded = base64.b64encode(struct.pack(f"<{dimension}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = count_words(inputs)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        self._json(200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage})

    @staticmethod
    def _model(model_id: str) -> Json:
        return {"id": model_id, "object": "model", "created": 0, "owned_by": "minirag-tests"}

    # plain responses

    def _error(self, status: int, message: str | None, *, retry_after: float | None = None) -> None:
        kind, code = _ERROR_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        text = message or (HTTPStatus(status).phrase if status in HTTPStatus else f"Error {status}")
        headers = {}
        if retry_after is not None:
            headers = {"retry-after": f"{retry_after:g}", "retry-after-ms": str(int(retry_after * 1000))}
        self._json(status, {"error": {"message": text, "type": kind, "param": None, "code": code}}, headers)

    def _json(self, status: int, payload: Json, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_fake{self.server.fake._new_id()}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
