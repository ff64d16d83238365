"""make run's vector store in a process of its own: the port's calls only, for key holders only, a dead
process is a 503 (never a hang), a stop flushes, and an orphan does not outlive its parent."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path
from typing import Any

import pytest

from minirag.adapters.edge_process import EdgeProcessVectorStore, VectorProcess
from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore, close_shards
from minirag.domain.errors import DependencyUnavailableError
from tests.unit.test_vector_stores import MODEL, ask, corpus, point

Running = tuple[VectorProcess, EdgeProcessVectorStore]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    vectors = VectorProcess(tmp_path / "edge", socket_dir=tmp_path, restart=False)
    store = EdgeProcessVectorStore(vectors.address, vectors.authkey)
    yield vectors, store
    store.close()
    vectors.stop()


def test_concurrent_searches_each_get_their_own_answer(running: Running) -> None:
    _, store = running
    store.upsert(model=MODEL, points=corpus())
    queries = [ask(mode="dense"), ask(mode="sparse"), ask(tenant="tenant-b"), ask(limit=2)]
    expected = {n: [h.id for h in store.search(q)] for n, q in enumerate(queries)}

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda n: (n % 4, [h.id for h in store.search(queries[n % 4])]), range(64)))

    assert all(ids == expected[a] for a, ids in got)
    assert len({tuple(ids) for ids in expected.values()}) > 1, "the queries differ"


def test_a_dead_process_is_unavailable_not_a_hang(running: Running) -> None:
    vectors, store = running
    store.ping()  # a pooled connection now exists
    os.kill(vectors.pid, signal.SIGKILL)
    time.sleep(0.2)
    for _ in range(2):  # the pooled connection, then a new one
        with pytest.raises(DependencyUnavailableError):
            store.ping()


def test_a_process_that_dies_is_started_again_with_what_it_had_written(tmp_path: Path) -> None:
    vectors = VectorProcess(tmp_path / "edge", socket_dir=tmp_path)
    store = EdgeProcessVectorStore(vectors.address, vectors.authkey)
    try:
        store.upsert(model=MODEL, points=corpus())  # in the engine's log, not flushed yet
        written, first = store.count(tenant_id="tenant-a"), vectors.pid
        os.kill(first, signal.SIGKILL)
        deadline, counted = time.monotonic() + 30, None
        while counted is None and time.monotonic() < deadline:
            try:
                counted = store.count(tenant_id="tenant-a")
            except DependencyUnavailableError:  # until the new process listens
                time.sleep(0.1)
        assert vectors.pid != first and counted == written > 0
    finally:
        store.close()
        vectors.stop()
    assert not Path(vectors.address).exists()


def test_only_key_holders_and_only_the_ports_calls(running: Running) -> None:
    vectors, store = running
    with pytest.raises(AuthenticationError):
        Client(vectors.address, family="AF_UNIX", authkey=b"wrong key")
    with Client(vectors.address, family="AF_UNIX", authkey=vectors.authkey) as peer:
        peer.send(("__init__", {}))
        assert peer.recv()[0] == "failed"
    assert oct(Path(vectors.address).stat().st_mode & 0o777) == "0o600"
    store.ping()  # still serving


class _Runs:
    """Unpickling this would run `touch` (what any peer could make the process do if it unpickled freely)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def test_a_key_holder_can_send_only_the_ports_argument_types(running: Running, tmp_path: Path) -> None:
    vectors, store = running
    marker = tmp_path / "ran"
    with Client(vectors.address, family="AF_UNIX", authkey=vectors.authkey) as peer:
        peer.send(("search", {"query": _Runs(marker)}))
        outcome, detail = peer.recv()
        peer.send((["not", "a", "name"], {}))
        shape = peer.recv()
        peer.send("ping")
        bare = peer.recv()
    assert outcome == "failed" and "not a vector store argument" in detail
    assert not marker.exists()
    assert shape[0] == "failed" and bare[0] == "failed"
    store.ping()


def test_a_programming_error_is_loud_not_an_outage(running: Running) -> None:
    _, store = running
    store.upsert(model=MODEL, points=corpus()[:1])
    with pytest.raises(RuntimeError, match="dimension"):
        store.upsert(model=MODEL, points=[point("t", "bot-1", "src-1", 1, "x", [1.0] * 3, "zebra")])


def test_a_stop_flushes_what_was_written(tmp_path: Path) -> None:
    vectors = VectorProcess(tmp_path / "edge", socket_dir=tmp_path)
    store = EdgeProcessVectorStore(vectors.address, vectors.authkey)
    store.upsert(model=MODEL, points=corpus())
    written = store.count(tenant_id="tenant-a")
    store.close()
    vectors.stop()

    reopened = QdrantEdgeVectorStore(tmp_path / "edge")
    try:
        assert written > 0 and reopened.count(tenant_id="tenant-a") == written
    finally:
        close_shards(tmp_path / "edge")


PARENT = """
import sys, time
from pathlib import Path
from typing import Any
from minirag.adapters.edge_process import VectorProcess
vectors = VectorProcess(Path(sys.argv[1]) / "edge", socket_dir=Path(sys.argv[1]))
print(vectors.pid, flush=True)
time.sleep(600)
"""


def test_the_process_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 15
        while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
            _reap(child)
            time.sleep(0.1)
        assert not Path(f"/proc/{child}").exists() or _zombie(child), "the orphan still runs"
    finally:
        parent.kill()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
