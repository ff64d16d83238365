"""Chat latency: platform overhead to the first token, and non-streaming chats/s with concurrent clients.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_chat.py [--sizes 1000] [--tenants 10]
     [--tenant-chunks 50] [--chats 200] [--clients 8]          (full size: --sizes 1000,10000 --tenant-chunks 1000)
The model is tests/support/fake_openai.py at 0 ms (bot model openai/fake-model, api_base on loopback), so
every chat takes the real LiteLLM path and the time to the first `delta` SSE frame is the platform's own:
auth, DynamoDB (DynamoDB Local, as under make run), the source list, embedding the question (offline MiniLM), the
vector search (qdrant-client local mode: brute force), the prompt and LiteLLM's request to the fake.
Knowledge is generated markdown (bench_chunking.make_corpus), uploaded and ingested by the real worker; the
sizes are reached by adding documents to the same tenant, and an embedding cache in this process lets the
10-tenant scenario reuse the vectors of texts already embedded.
"""

import argparse
import math
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.bench_chunking import make_corpus
from benchmarks.results import command_line, load, machine, write_section
from benchmarks.stack import Stack, cpu_seconds, local_stack, signup
from minirag.adapters.parsers import parse_document
from minirag.api.app import create_app
from minirag.domain.chunking import chunk_document
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorQuery
from tests.support.fake_openai import FakeOpenAI
from tests.support.server import serve

QUESTIONS = (
    "What does the retrieval policy say about latency?",
    "How is the embedding cache configured for a tenant?",
    "Which deployment region handles the queue?",
    "Explain the retry policy of the storage table.",
    "What is the throughput of the vector index?",
)
# The critical path of a turn: these add up (with "rest") to the wait for the first token.
STAGES = (
    "auth",
    "rate limit + token",
    "prepare",  # ChatService.prepare: bot and chat reads, then the question write alongside retrieval
    "model to first token",
)
# Parts of "prepare", shown for where its time goes; retrieval runs beside the question write, so
# these overlap and do not add up.
DETAILS = (
    "bot + chat reads",
    "question write",
    "source list",
    "embed query",
    "vector search",
)


@dataclass
class Breakdown:
    """Seconds per stage per chat, accumulated by wrappers around the services' collaborators."""

    spent: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    current: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lock: threading.Lock = field(default_factory=threading.Lock)
    streaming: bool = False  # after the first token: storing the answer is not part of the wait

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                with self.lock:
                    if not self.streaming:
                        self.current[stage] += time.perf_counter() - started

        setattr(owner, name, timed)

    def wrap_stream(self, owner: Any, stage: str) -> None:
        original = owner.stream

        def stream(request: Any) -> Iterator[Any]:
            started = time.perf_counter()
            first = True
            for chunk in original(request):
                if first and chunk.text:
                    with self.lock:
                        self.current[stage] += time.perf_counter() - started
                        self.streaming = True
                    first = False
                yield chunk

        owner.stream = stream

    def close_chat(self) -> None:
        with self.lock:
            for stage in (*STAGES, *DETAILS):
                self.spent[stage].append(self.current.pop(stage, 0.0))
            self.current.clear()
            self.streaming = False


def instrument(stack: Stack, breakdown: Breakdown) -> None:
    services: Any = stack.services
    auth: Any = services.auth
    chat: Any = services.chat
    retriever: Any = services.retriever
    breakdown.wrap(auth._tokens, "grant", "auth")
    breakdown.wrap(auth._limiter, "hit", "rate limit + token")
    breakdown.wrap(auth._tokens, "touch", "rate limit + token")
    breakdown.wrap(chat, "prepare", "prepare")
    breakdown.wrap(chat._bots, "get", "bot + chat reads")
    for name in ("get", "messages"):
        breakdown.wrap(chat._chats, name, "bot + chat reads")
    for name in ("create", "add_message"):
        breakdown.wrap(chat._chats, name, "question write")
    breakdown.wrap(retriever._live._sources, "list_all", "source list")
    breakdown.wrap(services.embedders.offline(), "embed", "embed query")
    breakdown.wrap(retriever._vectors, "search", "vector search")
    breakdown.wrap_stream(chat._model, "model to first token")


class EmbeddingCache:
    """Ingest-time memo of text -> vector in front of the offline model; off while questions are asked."""

    def __init__(self, embedder: Any) -> None:
        self.enabled = True
        self._vectors: dict[str, list[float]] = {}
        original = embedder.embed

        def embed(texts: list[str]) -> list[list[float]]:
            if not self.enabled:
                return original(texts)  # type: ignore[no-any-return]
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            self._vectors.update(zip(missing, original(missing), strict=True))
            return [self._vectors[t] for t in texts]

        embedder.embed = embed


@dataclass
class Tenant:
    headers: dict[str, str]
    bot_id: str
    chunks: int = 0
    docs: int = 0


def chars_per_chunk(stack: Stack) -> float:
    """Calibrates generated text to chunks with the ingest's own chunker and token counter (200/32)."""
    sample = make_corpus("md", 0.2, seed=99)
    doc = parse_document(sample, filename="sample.md", content_type=None, title="sample")
    settings = stack.services.settings
    count = stack.services.embedders.offline().count_tokens
    chunks = chunk_document(
        doc,
        chunk_tokens=settings.default_chunk_tokens,
        overlap_tokens=settings.default_chunk_overlap,
        count_tokens=count,
    )
    return len(sample) / len(chunks)


def new_tenant(stack: Stack, fake: FakeOpenAI, name: str) -> Tenant:
    headers = signup(stack.client, name)
    bot = {
        "name": name,
        "model": "openai/fake-model",
        "credentials": {"api_key": "sk-fake", "api_base": fake.base_url},
    }
    response = stack.client.post("/v1/bot-profiles", json=bot, headers=headers)
    assert response.status_code == 201, response.text
    return Tenant(headers, response.json()["id"])


UPLOAD_MB = 3.0  # under the API's 4 MB direct-upload body limit


def add_knowledge(stack: Stack, tenant: Tenant, chunks: int, ratio: float, seed: int) -> None:
    total_mb = chunks * ratio / 1_000_000
    parts = max(1, math.ceil(total_mb / UPLOAD_MB))
    for part in range(parts):
        data = make_corpus("md", total_mb / parts, seed=seed * 1000 + part)
        response = stack.client.post(
            "/v1/sources/upload",
            data={"bot_profile_id": tenant.bot_id},
            headers=tenant.headers,
            files={"file": (f"knowledge-{seed}-{part}.md", data, "text/markdown")},
        )
        assert response.status_code == 201, response.text
    stack.worker.drain(max_rounds=100_000)
    sources = stack.client.get(
        "/v1/sources", params={"bot_profile_id": tenant.bot_id}, headers=tenant.headers
    ).json()
    assert all(s["status"] == "ready" for s in sources), [s["error_message"] for s in sources]
    tenant.chunks = sum(s["chunk_count"] for s in sources)
    tenant.docs += 1


def questions(count: int) -> list[str]:
    return [f"{QUESTIONS[i % len(QUESTIONS)]} ({i})" for i in range(count)]


def first_tokens(url: str, tenants: list[Tenant], count: int, breakdown: Breakdown) -> list[float]:
    """Sequential streamed chats, round robin over tenants; seconds from send to the first delta frame."""
    waits = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for i, text in enumerate(questions(count)):
            tenant = tenants[i % len(tenants)]
            body = {"bot_profile_id": tenant.bot_id, "message": text, "stream": True}
            started = time.perf_counter()
            first = None
            with http.stream("POST", "/v1/chat", json=body, headers=tenant.headers) as response:
                assert response.status_code == 200, response.read()
                for line in response.iter_lines():
                    if first is None and line == "event: delta":
                        first = time.perf_counter() - started
            assert first is not None, "no delta frame"
            waits.append(first)
            breakdown.close_chat()
    return waits


def chats_per_second(url: str, tenant: Tenant, clients: int, count: int, engine_pid: int) -> dict[str, float]:
    def one(text: str) -> float:
        body = {"bot_profile_id": tenant.bot_id, "message": text}
        started = time.perf_counter()
        response = local.http.post("/v1/chat", json=body, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return time.perf_counter() - started

    local = threading.local()

    def init() -> None:
        local.http = httpx.Client(base_url=url, timeout=120)

    with ThreadPoolExecutor(clients, initializer=init) as pool:
        list(pool.map(one, questions(clients)))  # warm-up: one chat per client
        started, cpu_app, cpu_engine = time.perf_counter(), time.process_time(), cpu_seconds(engine_pid)
        latencies = sorted(pool.map(one, questions(count)))
        elapsed = time.perf_counter() - started
        cpu_app, cpu_engine = time.process_time() - cpu_app, cpu_seconds(engine_pid) - cpu_engine
    cpu = {"app_cpu_ms": cpu_app / count * 1000, "engine_cpu_ms": cpu_engine / count * 1000}
    return {"chats_s": count / elapsed, **percentiles(latencies), **cpu}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[round(0.95 * (len(ordered) - 1))] * 1000,
    }


def stage_medians(breakdown: Breakdown, since: int, waits: list[float]) -> str:
    """Median ms per stage, of the rest (HTTP, FastAPI, prompt, SSE framing), then prepare's parts."""
    spent = {stage: breakdown.spent[stage][since:] for stage in STAGES}
    rest = [wait - sum(spent[stage][i] for stage in STAGES) for i, wait in enumerate(waits)]
    parts = [f"{stage} {statistics.median(values) * 1000:.1f}" for stage, values in spent.items()]
    details = [f"{d} {statistics.median(breakdown.spent[d][since:]) * 1000:.1f}" for d in DETAILS]
    return (
        "; ".join([*parts, f"rest {statistics.median(rest) * 1000:.1f}"])
        + f" (prepare: {'; '.join(details)})"
    )


def search_modes(stack: Stack, tenant: Tenant, repeat: int = 20) -> str:
    """The vector store alone, per retrieval mode, on this tenant's live sources (median ms of `repeat`)."""
    services: Any = stack.services
    principal = services.auth.authenticate(tenant.headers["Authorization"].removeprefix("Bearer "))
    bot = services.bots._bots.get(tenant_id=principal.tenant_id, bot_id=tenant.bot_id)
    tags = services.retriever.live_tags(bot)
    text = QUESTIONS[0]
    dense = services.embedders.offline().embed([text])[0]
    parts, hits = [], 0
    for mode, fusion in (("dense", "rrf"), ("sparse", "rrf"), ("hybrid", "rrf"), ("hybrid", "weighted")):
        query = VectorQuery(
            model=bot.embedding_model,
            tenant_id=bot.tenant_id,
            bot_id=bot.id,
            live_tags=tags,
            dense=dense,
            sparse=query_vector(text),
            limit=bot.top_k,
            mode=mode,
            fusion=fusion,
        )
        spent = []
        for _ in range(repeat):
            started = time.perf_counter()
            hits = len(services.vectors.search(query))
            spent.append(time.perf_counter() - started)
        parts.append(
            f"{mode}{'/' + fusion if mode == 'hybrid' else ''} {statistics.median(spent) * 1000:.1f}"
        )
    return f"{len(tags)} live sources, {hits} hits: " + "; ".join(parts)


def drop_knowledge(stack: Stack, tenant: Tenant) -> None:
    sources = stack.client.get(
        "/v1/sources", params={"bot_profile_id": tenant.bot_id}, headers=tenant.headers
    )
    for source in sources.json():
        stack.client.delete(f"/v1/sources/{source['id']}", headers=tenant.headers)


def scenario_row(label: str, chunks: str, points: int, waits: list[float], stages: str) -> str:
    p = percentiles(waits)
    return f"| {label} | {chunks} | {points:,} | {len(waits)} | {p['p50']:.0f} | {p['p95']:.0f} | {load()} | {stages} |"


def run(args: argparse.Namespace) -> tuple[list[str], str]:
    sizes = sorted(int(s) for s in args.sizes.split(","))
    unit = sizes[0]
    rows: list[str] = []
    searches: list[str] = []
    breakdown = Breakdown()
    with (
        FakeOpenAI(reply="It is in the handbook [1].") as fake,
        local_stack(api_token_requests_per_minute=10**9) as stack,
    ):
        embedder = stack.services.embedders.offline()
        embedder.warm()
        cache = EmbeddingCache(embedder)
        ratio = chars_per_chunk(stack)
        instrument(stack, breakdown)
        big = new_tenant(stack, fake, "chat-big")
        with serve(create_app(stack.services)) as url:
            for size in sizes:
                while big.chunks < size * 0.97:
                    add_knowledge(stack, big, unit, ratio, seed=big.docs)
                print(f"tenant has {big.chunks} chunks; load {load()}", flush=True)
                searches.append(f"| {big.chunks:,} | {search_modes(stack, big)} | {load()} |")
                print(searches[-1], flush=True)
                rows.append(
                    measure(
                        url,
                        [big],
                        f"1 tenant, {size:,} chunks",
                        str(big.chunks),
                        big.chunks,
                        args,
                        breakdown,
                        cache,
                    )
                )
            speed = chats_per_second(url, big, args.clients, args.chats, stack.engine_pid or 0)
            throughput = (
                f"| {args.clients} | {big.chunks:,} | {args.chats} | {speed['chats_s']:.1f} | {speed['p50']:.0f} | "
                f"{speed['p95']:.0f} | {speed['app_cpu_ms']:.0f} | {speed['engine_cpu_ms']:.0f} | {load()} |"
            )
            print(throughput, flush=True)
            drop_knowledge(stack, big)
            cache.enabled = True
            tenants = [new_tenant(stack, fake, f"chat-t{i}") for i in range(args.tenants)]
            for i, tenant in enumerate(tenants):
                add_knowledge(stack, tenant, args.tenant_chunks, ratio, seed=i)
            each = f"{min(t.chunks for t in tenants)}-{max(t.chunks for t in tenants)} each"
            points = sum(t.chunks for t in tenants)
            label = f"{args.tenants} tenants (round robin)"
            rows.append(measure(url, tenants, label, each, points, args, breakdown, cache))
    return rows, throughput, searches


def measure(
    url: str,
    tenants: list[Tenant],
    label: str,
    chunks: str,
    points: int,
    args: argparse.Namespace,
    breakdown: Breakdown,
    cache: EmbeddingCache,
) -> str:
    cache.enabled = False
    first_tokens(url, tenants, 5, breakdown)  # warm-up
    since = len(breakdown.spent["auth"])
    waits = first_tokens(url, tenants, args.chats, breakdown)
    cache.enabled = True
    row = scenario_row(label, chunks, points, waits, stage_medians(breakdown, since, waits))
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000", help="chunks in the tenant, comma-separated (full: 1000,10000)"
    )
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--tenant-chunks", type=int, default=50, help="chunks per tenant (full: 1000)")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    header = f"Machine: {machine()}.\n\nCommand: `{command_line()}`"
    print(header, flush=True)
    rows, throughput, searches = run(args)
    stages = ", ".join([*STAGES, "rest"]) + "; then prepare's overlapping parts"
    body = "\n".join(
        [
            f"## Chat: overhead to first token and chats/s (`benchmarks/bench_chat.py`, sizes {args.sizes})",
            "",
            header,
            "",
            "Time from sending POST /v1/chat (stream) to the first `delta` frame, fake OpenAI model at 0 ms "
            "through LiteLLM, uvicorn on loopback, sequential chats. Goal: p50 <= 60 ms with 10k chunks.",
            "",
            f"| scenario | chunks in tenant | points in collection | chats | p50 ms | p95 ms | load | median ms per stage ({stages}) |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Non-streaming chats, concurrent clients (threads, one keep-alive connection each):",
            "",
            "| clients | chunks in tenant | chats | chats/s | p50 ms | p95 ms | CPU ms per chat: app process "
            "(with the client threads) | CPU ms per chat: DynamoDB Local | load |",
            "|---|---|---|---|---|---|---|---|---|",
            throughput,
            "",
            "The vector store alone (QdrantVectorStore.search on the tenant's live sources, bot top_k, "
            "median of 20), per retrieval mode:",
            "",
            "| chunks in tenant | median ms per mode | load |",
            "|---|---|---|",
            *searches,
        ]
    )
    if not args.no_write:
        full = max(int(s) for s in args.sizes.split(",")) >= 10_000
        write_section("bench-chat-full" if full else "bench-chat", body)


if __name__ == "__main__":
    main()
