"""What the side-by-side benchmark does to each system over HTTP, and how it reads their processes' CPU
and memory. Both MiniRAGs share these request shapes (signup, bot, upload, source, chat, SSE `delta`
frames), so one driver serves both; only the bot body differs (our chunk size in tokens)."""

import os
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_chunking import make_corpus

QUESTIONS = (
    "What does the retrieval policy say about latency?",
    "How is the embedding cache configured for a tenant?",
    "Which deployment region handles the queue?",
    "Explain the retry policy of the storage table.",
    "What is the throughput of the vector index?",
)
RETRIES = 3
DOC_MB = 0.005  # 5 KB of generated markdown per document: about 10 chunks of 512 characters


def cpu_seconds(pid: int, *, tree: bool = False) -> float:
    """User + system CPU of a process (with `tree`: of it and all its descendants, live or reaped)."""
    pids = _tree(pid) if tree else [pid]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
        if tree:  # children reaped so far; live ones are counted by themselves
            total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


@dataclass
class System:
    """One MiniRAG under test: where it answers, and which processes are its app, its engines, its search."""

    name: str
    url: str
    app_pids: list[int]  # the processes that run its code (API, worker, pollers)
    engine_pids: list[int]  # databases and queues it talks to (process trees)
    bot_extra: dict[str, Any]
    search_pid: int | None = None  # the original's Qdrant stand-in
    search_url: str = ""  # its /bench/stats: CPU spent inside the engine's queries
    headers: dict[str, str] = field(default_factory=dict)
    bot_id: str = ""
    sources: list[str] = field(default_factory=list)
    docs: int = 0
    turns: int = 0  # chat turns answered so far (counted by the caller)
    retries: int = 0  # failed ingestions queued again

    def cpu(self) -> dict[str, float]:
        return {
            "app": sum(cpu_seconds(p) for p in self.app_pids),
            "engines": sum(cpu_seconds(p, tree=True) for p in self.engine_pids),
            "search": cpu_seconds(self.search_pid) if self.search_pid else 0.0,
            "query": httpx.get(f"{self.search_url}/bench/stats").json()["result"]["query_cpu_s"]
            if self.search_url
            else 0.0,
        }

    def rss(self) -> float:
        """The app processes and the vector store's (the original's stand-in, our vector process)."""
        return sum(rss_mb(p) for p in [*self.app_pids, *([self.search_pid] if self.search_pid else [])])

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, headers=self.headers)


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in before}


def setup_tenant(system: System, slug: str) -> None:
    body = {"tenant_name": slug, "tenant_slug": slug, "owner_email": f"{slug}@example.com",
            "owner_password": "side by side password"}  # fmt: skip
    with system.client() as http:
        signup = http.post("/v1/tenants", json=body)
        signup.raise_for_status()
        system.headers = {"Authorization": f"Bearer {signup.json()['api_token']}"}
        bot = {"name": "Handbook", "model": "gpt-4o-mini", "embedding_model": "text-embedding-3-small"}
        created = http.post("/v1/bot-profiles", json=bot | system.bot_extra, headers=system.headers)
        created.raise_for_status()
        system.bot_id = created.json()["id"]


def ingest(system: System, docs: int) -> dict[str, float]:
    """Uploads documents system.docs..docs-1 (the same bytes for both systems) and waits until every one
    is ready; wall seconds from the first upload to the last ready, CPU seconds of each group."""
    before, started = system.cpu(), time.perf_counter()
    new: list[str] = []
    with system.client() as http:
        for i in range(system.docs, docs):
            data = make_corpus("md", DOC_MB, seed=10_000 + i)
            files = {"file": (f"handbook-{i}.md", data, "text/markdown")}
            response = http.post("/v1/sources/upload", data={"bot_profile_id": system.bot_id}, files=files)
            response.raise_for_status()
            new.append(response.json()["id"])
        chunks = sum(_ready(http, system, source) for source in new)
    wall = time.perf_counter() - started
    system.sources += new
    system.docs = docs
    return {"wall_s": wall, "docs": len(new), "chunks": chunks} | cpu_delta(before, system.cpu())


def _ready(http: httpx.Client, system: "System", source_id: str, timeout: float = 1800) -> int:
    """Waits for one source; a failed ingestion is queued again (POST /v1/sources/{id}/ingest, as an
    operator would) up to RETRIES times, and counted in system.retries."""
    deadline, retries, requeued = time.monotonic() + timeout, 0, 0.0
    while time.monotonic() < deadline:
        source = http.get(f"/v1/sources/{source_id}").json()
        if source["status"] == "ready":
            return int(source["chunk_count"])
        failed = source["status"] in ("error", "failed")
        if failed and time.monotonic() - requeued > 60:  # not the error from before the last requeue
            if retries == RETRIES:
                raise RuntimeError(f"{system.name}: ingest failed {retries + 1} times: {source}")
            print(f"{system.name}: ingest of {source['name']} failed ({source['error_message']!r}); again")
            retries += 1
            system.retries += 1
            http.post(f"/v1/sources/{source_id}/ingest").raise_for_status()
            requeued = time.monotonic()
        elif not failed:
            requeued = 0.0  # picked up again: a new failure counts at once
        time.sleep(0.2)
    raise RuntimeError(f"source {source_id} not ready after {timeout} s")


def chunk_count(system: System) -> int:
    with system.client() as http:
        return sum(int(http.get(f"/v1/sources/{s}").json()["chunk_count"]) for s in system.sources)


def _question(i: int) -> str:
    return f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"


def chat(http: httpx.Client, system: System, i: int) -> float:
    started = time.perf_counter()
    response = http.post("/v1/chat", json={"bot_profile_id": system.bot_id, "message": _question(i)})
    if response.status_code != 200:
        raise RuntimeError(f"{system.name} chat: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


def first_delta(http: httpx.Client, system: System, i: int) -> float:
    """Seconds from sending a streamed chat to its first `delta` frame (the stream is read to its end)."""
    body = {"bot_profile_id": system.bot_id, "message": _question(i), "stream": True}
    started, first = time.perf_counter(), None
    with http.stream("POST", "/v1/chat", json=body) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{system.name} stream: {response.status_code} {response.read()[:300]!r}")
        for line in response.iter_lines():
            if first is None and line.strip() == "event: delta":
                first = time.perf_counter() - started
    if first is None:
        raise RuntimeError(f"{system.name} stream had no delta frame")
    return first


def sequential(system: System, count: int, offset: int, call: Callable[..., float]) -> list[float]:
    with system.client() as http:
        call(http, system, offset)  # warm the connection
        return [call(http, system, offset + 1 + i) for i in range(count)]


def concurrent(
    system: System, clients: int, count: int, call: Callable[[httpx.Client, int], Any]
) -> dict[str, float]:
    """`count` calls over `clients` threads with a keep-alive connection each: rate, latencies, CPU."""
    local = threading.local()

    def init() -> None:
        local.http = system.client()

    def one(i: int) -> float:
        started = time.perf_counter()
        call(local.http, i)
        return time.perf_counter() - started

    with ThreadPoolExecutor(clients, initializer=init) as pool:
        list(pool.map(one, range(clients)))  # one warm-up call per client
        before, started = system.cpu(), time.perf_counter()
        latencies = list(pool.map(one, range(clients, clients + count)))
        wall = time.perf_counter() - started
        spent = cpu_delta(before, system.cpu())
    return {"rate": count / wall, "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95)} | {
        f"{key}_ms": seconds / count * 1000 for key, seconds in spent.items()
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 1]."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)
