"""What the adaptive fusion costs over RRF per query, in the vector store alone.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.bench_fusion_cost [--sizes 10000,50000]
       [--queries 60] [--write]
The embedded Qdrant engine (qdrant-edge, as `make run` and the benchmarks use) holds bench_vectors' seeded
points (5 tenants, so 50,000 points is 10,000 per tenant). Each query is filtered as a chat's is, asked four
ways in turn: RRF (one engine query, two prefetches fused in the engine), adaptive (services/fusion.py: a
dense and a sparse query of depth 50, fused in Python: the default), and each of the two alone. Medians of
wall and CPU time per query; the first 5 rounds are warm-up.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from benchmarks.bench_vectors import MODEL, SOURCES, make_points, make_queries
from benchmarks.results import command_line, machine, write_section
from minirag.adapters.qdrant_edge import QdrantEdgeVectorStore, close_shards
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorHit, VectorQuery
from minirag.services import fusion

WARM_UP = 5


def ways(store: QdrantEdgeVectorStore) -> dict[str, Callable[[VectorQuery], object]]:
    deep = fusion.DEPTH

    def adaptive(q: VectorQuery) -> list[fusion.Fused]:
        dense: list[VectorHit] = store.search(replace(q, mode="dense", limit=max(deep, q.limit)))
        sparse: list[VectorHit] = store.search(replace(q, mode="sparse", limit=max(deep, q.limit)))
        return fusion.adaptive(dense, sparse)[: q.limit]

    return {
        "RRF (engine)": store.search,
        "adaptive (default)": adaptive,
        f"dense alone, depth {deep}": lambda q: store.search(replace(q, mode="dense", limit=deep)),
        f"sparse alone, depth {deep}": lambda q: store.search(replace(q, mode="sparse", limit=deep)),
    }


def measure(size: int, queries: int) -> dict[str, tuple[float, float]]:
    points = make_points(size, 1)
    asked = make_queries(points, queries + WARM_UP, 2)
    live = [f"source-{s}:1" for s in range(SOURCES)]
    with tempfile.TemporaryDirectory() as folder:
        store = QdrantEdgeVectorStore(Path(folder), flush_interval_s=5.0)
        for i in range(0, len(points), 64):
            store.upsert(model=MODEL, points=points[i : i + 64])
        chosen = ways(store)
        wall: dict[str, list[float]] = {name: [] for name in chosen}
        cpu: dict[str, list[float]] = {name: [] for name in chosen}
        for round_, (tenant, dense, text) in enumerate(asked):
            query = VectorQuery(
                MODEL, tenant, f"bot-{tenant}", live, dense, query_vector(text), 5, mode="hybrid"
            )
            for name, run in chosen.items():
                started, used = time.perf_counter(), time.process_time()
                run(query)
                if round_ >= WARM_UP:
                    wall[name].append((time.perf_counter() - started) * 1000)
                    cpu[name].append((time.process_time() - used) * 1000)
        close_shards(Path(folder))
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--write", action="store_true", help="also write the table into RESULTS.md")
    args = parser.parse_args()
    lines = [
        "## Fusion cost per query in the vector store (`benchmarks/bench_fusion_cost.py`)",
        "",
        f"Machine: {machine()}  ",
        f"Command: `{command_line()}`",
        "",
        "| points (per tenant) | way | wall p50 ms | CPU p50 ms |",
        "|---|---|---|---|",
    ]
    for size in (int(s) for s in args.sizes.split(",")):
        for name, (wall, cpu) in measure(size, args.queries).items():
            lines.append(f"| {size:,} ({size // 5:,}) | {name} | {wall:.2f} | {cpu:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("fusion-cost", text)


if __name__ == "__main__":
    main()
