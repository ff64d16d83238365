"""Vector store speed: qdrant-client's local mode against the in-process Qdrant Edge shard, same data.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_vectors.py [--sizes 1000,10000,20000]
       [--queries 100] [--batch 32] [--dir /tmp] [--write]
Data (seeded): unit vectors of dimension 384 drawn at random; sparse vectors of 60-120 word texts drawn
from a Zipf-weighted vocabulary, so IDF matters; 5 tenants with one bot of 10 live sources each.
Queries are filtered as the chat's are (tenant, bot, the bot's 10 live tags, top 5): a stored vector plus
noise, and four words of that point's text. Upserts go in batches of --batch (the ingest worker's), each
returning once the store has it on disk: a sqlite commit for local mode; a write-ahead log append for edge,
with a flush at most every 5 s, or after every batch in the "flush per write" row.
"Same top 5" is the share of edge's hits that local mode also returns (both score exactly).
"""

import argparse
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient

from benchmarks.results import command_line, machine, write_section
from minirag.adapters.qdrant import QdrantVectorStore, point_id
from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore, close_shards
from minirag.domain.lexical import document_vector, query_vector
from minirag.domain.vectors import VectorPoint, VectorQuery
from minirag.ports import VectorStore

MODEL = "bench/dim-384"
DIM = 384
TENANTS = 5
SOURCES = 10
STORES = ("qdrant-local", "qdrant-edge", "qdrant-edge, flush per write")

Query = tuple[str, list[float], str]  # tenant, dense vector, text

warnings.filterwarnings("ignore", message="Payload indexes have no effect")


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    return sorted(words)


def make_points(count: int, seed: int) -> list[VectorPoint]:
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    words = vocabulary(rng)
    zipf = list(accumulate(1 / (rank + 1) for rank in range(len(words))))
    dense = np_rng.normal(size=(count, DIM))
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    points = []
    for i in range(count):
        tenant, source = f"tenant-{i % TENANTS}", f"source-{i // TENANTS % SOURCES}"
        text = " ".join(rng.choices(words, cum_weights=zipf, k=rng.randint(60, 120)))
        payload = {"tenant_id": tenant, "bot_id": f"bot-{tenant}", "source_id": source, "live": f"{source}:1"}
        points.append(
            VectorPoint(point_id(i), dense[i].tolist(), document_vector(text), payload | {"text": text})
        )
    return points


def make_queries(points: list[VectorPoint], count: int, seed: int) -> list[Query]:
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    queries = []
    for p in rng.sample(points, count):
        noisy = np.asarray(p.dense) + np_rng.normal(scale=0.5 / DIM**0.5, size=DIM)
        text = " ".join(rng.sample(p.payload["text"].split(), 4))
        queries.append((p.payload["tenant_id"], (noisy / np.linalg.norm(noisy)).tolist(), text))
    return queries


@contextmanager
def opened(kind: str, parent: str | None) -> Iterator[VectorStore]:
    with tempfile.TemporaryDirectory(dir=parent) as name:
        if kind == "qdrant-local":
            client = QdrantClient(path=name)
            yield QdrantVectorStore(client)
            client.close()
        else:
            yield QdrantEdgeVectorStore(Path(name), flush_interval_s=0.0 if "flush" in kind else 5.0)
            close_shards(Path(name))


def timed(run: Callable[[], list[str]], samples: list[float]) -> list[str]:
    start = time.perf_counter()
    ids = run()
    samples.append((time.perf_counter() - start) * 1000)
    return ids


def measure(store: VectorStore, points: list[VectorPoint], queries: list[Query], batch: int) -> dict:
    start = time.perf_counter()
    for i in range(0, len(points), batch):
        store.upsert(model=MODEL, points=points[i : i + batch])
    upsert_rate = len(points) / (time.perf_counter() - start)
    live = [f"source-{s}:1" for s in range(SOURCES)]
    found: dict[str, list[list[str]]] = {"hybrid": [], "dense": []}
    latency: dict[str, list[float]] = {"hybrid": [], "dense": []}
    for warm_up, (tenant, dense, text) in [(True, q) for q in queries[:5]] + [(False, q) for q in queries]:
        for mode in ("hybrid", "dense"):
            query = VectorQuery(MODEL, tenant, f"bot-{tenant}", live, dense, query_vector(text), 5, mode=mode)
            ids = timed(lambda q=query: [h.id for h in store.search(q)], [] if warm_up else latency[mode])
            if not warm_up:
                found[mode].append(ids)
    return {"upsert": upsert_rate, "latency": latency, "found": found}


def overlap(ours: list[list[str]], theirs: list[list[str]]) -> float:
    shared = sum(len(set(a) & set(b)) for a, b in zip(ours, theirs, strict=True))
    return shared / max(1, sum(len(a) for a in ours))


def row(kind: str, size: int, result: dict, local: dict | None) -> str:
    cells = [kind, f"{size:,}", f"{result['upsert']:,.0f}"]
    for mode in ("hybrid", "dense"):
        samples = result["latency"][mode]
        cells += [f"{statistics.median(samples):.1f}", f"{statistics.quantiles(samples, n=20)[18]:.1f}"]
    if local is None:
        cells.append("")
    else:
        same = [overlap(result["found"][m], local["found"][m]) for m in ("hybrid", "dense")]
        cells.append(" / ".join(f"{s:.0%}" for s in same))
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--dir", default=None, help="parent folder of the stores (default: the system temp)")
    parser.add_argument("--write", action="store_true", help="also write the table into RESULTS.md")
    args = parser.parse_args()
    header = (
        "| store | points | upserts/s | hybrid median ms | hybrid p95 ms | dense median ms | dense p95 ms "
        "| same top 5 as local (hybrid / dense) |\n|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    lines = [header]
    for size in (int(s) for s in args.sizes.split(",")):
        points = make_points(size, seed=size)
        queries = make_queries(points, args.queries, seed=size + 1)
        local = None
        for kind in STORES:
            with opened(kind, args.dir) as store:
                result = measure(store, points, queries, args.batch)
            if kind == "qdrant-local":
                local = result
            lines.append(row(kind, size, result, None if result is local else local))
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    if args.write:
        note = f"{machine()}\n\n`{command_line()}`"
        write_section("bench-vectors", f"## Vector store speed (`bench_vectors.py`)\n\n{note}\n\n{table}")


if __name__ == "__main__":
    main()
