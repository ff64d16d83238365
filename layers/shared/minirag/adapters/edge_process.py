"""The embedded vector store in a process of its own, as a Qdrant server would be (what `make run` uses).

qdrant-edge-py holds the GIL for the whole of a query (a dense query over 10,000 chunks of 1,536
dimensions: about 3 ms during which no other request of the API process runs a line of Python), and its
shards are locked by one process. In a process of its own the engine searches on the second core while
the API process serves other requests, and the API talks to it the way the deployed platform talks to
its Qdrant server: over a connection. The connection is a Unix socket (`multiprocessing.connection`, its
peers authenticated with a key made per run) carrying the port's own calls; only the store's methods
can be called.
"""

import io
import logging
import os
import pickle
import secrets
import signal
import subprocess
import sys
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from types import FrameType
from typing import Any

from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.vectors import VectorHit, VectorPoint, VectorQuery

log = logging.getLogger(__name__)
METHODS = frozenset({"upsert", "delete_source", "delete_bot", "count", "search", "ping"})
UNAVAILABLE = "the vector store is unavailable"
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # an upsert batch of 300 points of 1,536 floats pickles to about 5 MB
REPLY_TIMEOUT_S = 120.0  # a stopped (SIGSTOP) or wedged process: a 503, not a request that never ends


class EdgeProcessVectorStore:
    """The VectorStore port, answered by `serve` in another process; one connection per calling thread
    at a time, kept for the next call."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self._address, self._authkey = address, authkey
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def upsert(self, *, model: str, points: list[VectorPoint]) -> None:
        self._call("upsert", model=model, points=points)

    def delete_source(self, *, tenant_id: str, source_id: str, keep_version: int | None = None) -> None:
        self._call("delete_source", tenant_id=tenant_id, source_id=source_id, keep_version=keep_version)

    def delete_bot(self, *, tenant_id: str, bot_id: str) -> None:
        self._call("delete_bot", tenant_id=tenant_id, bot_id=bot_id)

    def count(self, *, tenant_id: str, source_id: str | None = None) -> int:
        found: int = self._call("count", tenant_id=tenant_id, source_id=source_id)
        return found

    def search(self, query: VectorQuery) -> list[VectorHit]:
        found: list[VectorHit] = self._call("search", query=query)
        return found

    def ping(self) -> None:
        self._call("ping")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _call(self, method: str, **kwargs: Any) -> Any:
        connection = self._connection()
        try:
            connection.send((method, kwargs))
            if not connection.poll(REPLY_TIMEOUT_S):
                raise TimeoutError(f"no answer to {method} in {REPLY_TIMEOUT_S:.0f} s")
            outcome, value = connection.recv()
        except (OSError, EOFError) as exc:
            connection.close()
            raise DependencyUnavailableError(UNAVAILABLE) from exc
        with self._lock:
            self._idle.append(connection)
        if outcome == "unavailable":
            raise DependencyUnavailableError(value)
        if outcome == "failed":
            raise RuntimeError(f"the vector store process failed: {value}")
        return value

    def _connection(self) -> Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            return Client(self._address, family="AF_UNIX", authkey=self._authkey)
        except (OSError, EOFError, AuthenticationError) as exc:  # down, restarting, or another process
            raise DependencyUnavailableError(UNAVAILABLE) from exc


def serve(root: Path, address: str, authkey: bytes) -> None:
    """Answers connections until the process is told to stop; the store flushes its shards at exit."""
    from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore

    store = QdrantEdgeVectorStore(root)
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    previous = os.umask(0o177)  # the socket is made 0600 when bound, not a moment later
    try:
        listener = Listener(address, family="AF_UNIX", authkey=authkey)
    finally:
        os.umask(previous)
    with listener:
        while True:
            try:
                connection = listener.accept()
            except (
                OSError,
                EOFError,
                AuthenticationError,
            ):  # a peer without the key, or one that hung up during the handshake
                continue
            threading.Thread(target=_session, args=(store, connection), daemon=True).start()


def _orphaned(parent: int) -> None:
    """A parent killed without its cleanup leaves this process behind holding the shards' locks: when the
    parent is gone, stop the way a SIGTERM does (flushing)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


class _PortUnpickler(pickle.Unpickler):
    """Only the port's own argument types: a message cannot name any other class or function (pickle
    would otherwise run whatever a peer names, before the method is even looked at)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "minirag.domain.vectors" and name in ("VectorPoint", "VectorQuery", "SparseVector"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a vector store argument")


def _request(data: bytes) -> tuple[str, dict[str, Any]]:
    message = _PortUnpickler(io.BytesIO(data)).load()
    if not (isinstance(message, tuple) and len(message) == 2):
        raise ValueError("a vector store call is (method, arguments)")
    method, kwargs = message
    if not (isinstance(method, str) and method in METHODS and isinstance(kwargs, dict)):
        raise ValueError(f"no such vector store call: {method!r}")
    return method, kwargs


def _session(store: Any, connection: Connection) -> None:
    with connection:
        while True:
            try:
                data = connection.recv_bytes(MAX_MESSAGE_BYTES)
            except (OSError, EOFError):  # gone, or a message past the limit (the connection is closed)
                return
            try:
                method, kwargs = _request(data)
            except Exception as exc:
                connection.send(("failed", str(exc)))
                continue
            try:
                answer = ("ok", getattr(store, method)(**kwargs))
            except DependencyUnavailableError as exc:
                answer = ("unavailable", exc.detail)
            except Exception as exc:  # a programming error: loud in its log and in the caller's
                log.exception("vector store call %s failed", method)
                answer = ("failed", repr(exc))
            connection.send(answer)


class VectorProcess:
    """Starts `serve` in a child process over `root` and stops it (SIGTERM: it flushes, then exits). With
    `restart`, a process that dies on its own (a crash, the OOM killer) is started again on the same socket
    and key: the calls made meanwhile are 503s, the next ones reach the new process, which has replayed the
    engine's log (nothing written before the death is lost)."""

    def __init__(self, root: Path, *, socket_dir: Path, restart: bool = True) -> None:
        socket_dir.mkdir(parents=True, exist_ok=True)
        self.address = str(socket_dir / f"vectors-{os.getpid()}-{secrets.token_hex(4)}.sock")
        self.authkey = secrets.token_bytes(32)
        self._command = [sys.executable, "-m", "minirag.adapters.edge_process", str(root), self.address]
        self._stopping = threading.Event()
        self._process = self._spawn()
        self._wait_ready()
        if restart:
            threading.Thread(target=self._watch, name="vector-process-watch", daemon=True).start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def environ(self) -> dict[str, str]:
        """What tells the API and the functions of this machine to use it (see bootstrap.vector_store)."""
        return {"MINIRAG_VECTOR_PROCESS": self.address, "MINIRAG_VECTOR_PROCESS_KEY": self.authkey.hex()}

    def _spawn(self) -> "subprocess.Popen[bytes]":
        Path(self.address).unlink(missing_ok=True)  # a dead process leaves its socket file behind
        env = os.environ | {"MINIRAG_VECTOR_PROCESS_KEY": self.authkey.hex()}
        return subprocess.Popen(self._command, env=env)  # noqa: S603

    def _watch(self) -> None:
        while not self._stopping.is_set():
            code = self._process.wait()
            if self._stopping.is_set():
                return
            log.warning("the vector store process exited (%s); starting it again", code)
            time.sleep(0.5)
            if not self._stopping.is_set():
                self._process = self._spawn()

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        store = EdgeProcessVectorStore(self.address, self.authkey)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    store.ping()
                    return
                except DependencyUnavailableError:
                    if self._process.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("the vector store process did not start") from None
                    time.sleep(0.05)
        finally:
            store.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        Path(self.address).unlink(missing_ok=True)


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us last
    serve(Path(sys.argv[1]), sys.argv[2], bytes.fromhex(os.environ["MINIRAG_VECTOR_PROCESS_KEY"]))
