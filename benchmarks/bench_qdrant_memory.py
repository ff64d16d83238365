"""Qdrant memory and disk per million chunks, measured on the embedded engine (qdrant-edge: Qdrant's own
segments, HNSW and quantization in process), with and without quantization.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.bench_qdrant_memory [--points 100000] [--write]
Each layout is built in a child process of its own: N points shaped as MiniRAG stores them (a 384-d dense
vector, a BM25 sparse vector of 59 terms, the payload of adapters/qdrant_edge.py with a 600-character text,
keyword indexes on tenant_id (is_tenant), bot_id, source_id, live) upserted in batches of 1,000 over 100
tenants, then optimised (HNSW built, quantized copies made), flushed and closed. Then a fresh process loads the
shard and runs 100 tenant-filtered queries: its resident memory growth (VmRSS) is what a server holds for
the shard between requests (with the pages of mapped files those queries touched); the folder's size is
the disk. Per chunk: the difference between two corpus sizes, so fixed costs drop out.
"""

import argparse
import json
import multiprocessing
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

LAYOUTS = ("float32 in RAM", "scalar int8 in RAM, float32 on disk", "binary in RAM, float32 on disk")
DIMENSION, TERMS, TEXT = 384, 59, 600


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def config(layout: str) -> Any:
    import qdrant_edge as qe

    quantization = None
    if layout.startswith("scalar"):
        quantization = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, always_ram=True)
    elif layout.startswith("binary"):
        quantization = qe.BinaryQuantizationConfig(always_ram=True)
    dense = qe.EdgeVectorParams(
        size=DIMENSION,
        distance=qe.Distance.Cosine,
        on_disk=quantization is not None,
        quantization_config=quantization,
    )
    return qe.EdgeConfig(
        vectors={"dense": dense}, sparse_vectors={"bm25": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)}
    )


def build(layout: str, points: int, folder: str, out: Any) -> None:
    import numpy as np
    import qdrant_edge as qe

    rng, vectors = random.Random(5), np.random.default_rng(5)
    shard = qe.EdgeShard.create(folder, config(layout))
    for name in ("tenant_id", "bot_id", "source_id", "live"):
        shard.update(
            qe.UpdateOperation.create_field_index(name, qe.KeywordIndexParams(is_tenant=name == "tenant_id"))
        )
    started = time.perf_counter()
    for start in range(0, points, 1000):
        batch = []
        block = vectors.standard_normal((1000, DIMENSION), dtype=np.float32)
        for i in range(start, min(points, start + 1000)):
            dense = block[i - start].tolist()
            indices = sorted(rng.sample(range(200_000), TERMS))
            sparse = qe.SparseVector(indices, [rng.random() for _ in indices])
            tenant = f"t{i % 100}"
            payload = {
                "tenant_id": tenant, "bot_id": f"{tenant}b", "source_id": f"{tenant}s{i % 7}", "live": f"{tenant}s:1",
                "source_name": "Handbook", "title": "A page", "heading_path": ["A page", "A section"],
                "text": "x" * TEXT, "position": i, "url": None,
            }  # fmt: skip
            batch.append(qe.Point(i, {"dense": dense, "bm25": sparse}, payload))
        shard.update(qe.UpdateOperation.upsert_points(batch))
    shard.optimize()
    shard.flush()
    shard.close()
    out.put({"seconds": time.perf_counter() - started})


def serve(folder: str, out: Any) -> None:
    """The built shard loaded in a fresh process and queried, as a server holds it between requests."""
    import numpy as np
    import qdrant_edge as qe

    before = rss_bytes()
    shard = qe.EdgeShard.load(folder)
    vectors = np.random.default_rng(9).standard_normal((100, DIMENSION), dtype=np.float32)
    times = []
    for n, query in enumerate(vectors):
        flt = qe.Filter(must=[qe.FieldCondition(key="tenant_id", match=qe.MatchValue(f"t{n % 100}"))])
        t = time.perf_counter()
        request = qe.QueryRequest(query=qe.Query.Nearest(query.tolist(), using="dense"), filter=flt, limit=10)
        shard.query(request)
        times.append(time.perf_counter() - t)
    out.put({"rss": rss_bytes() - before, "query_ms": 1000 * statistics.median(times[10:])})
    shard.close()


def disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _child(target: Any, *args: Any) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    out: Any = context.Queue()
    child = context.Process(target=target, args=(*args, out))
    child.start()
    result: dict[str, float] = out.get()
    child.join()
    return result


def measure(layout: str, points: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="minirag-qmem-")) / "shard"
    result = _child(build, layout, points, str(folder)) | _child(serve, str(folder))
    result["disk"] = disk_bytes(folder)
    shutil.rmtree(folder.parent)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100_000, help="the larger corpus")
    parser.add_argument(
        "--base", type=int, default=20_000, help="the smaller one: per chunk = the difference"
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    n = args.points - args.base
    lines = [
        f"Per chunk = (figure at {args.points:,} points - figure at {args.base:,}) / {n:,}, which leaves out the"
        f" fixed costs (preallocated WAL and segment files, the engine's own memory). Points: {DIMENSION}-d dense"
        f" + {TERMS}-term BM25 sparse, {TEXT}-character payload text.",
        "",
        "| layout | RAM per chunk (bytes) | RAM per 1M chunks (GB) | disk per chunk (bytes) | disk per 1M chunks (GB)"
        f" | build s ({args.points:,}) | filtered query ms (p50, {args.points:,}) |",
        "|---|---|---|---|---|---|---|",
    ]
    results = {}
    for layout in LAYOUTS:
        small, large = measure(layout, args.base), measure(layout, args.points)
        ram, disk = (large["rss"] - small["rss"]) / n, (large["disk"] - small["disk"]) / n
        results[layout] = {"small": small, "large": large}
        lines.append(
            f"| {layout} | {ram:,.0f} | {ram * 1e6 / 1e9:.2f} | {disk:,.0f} | {disk * 1e6 / 1e9:.2f} | "
            f"{large['seconds']:.0f} | {large['query_ms']:.2f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    print(text)
    print(json.dumps(results))
    if args.write:
        from benchmarks.results import command_line, machine, write_section

        key = "Qdrant memory per chunk (`benchmarks/bench_qdrant_memory.py`)"
        write_section(key, f"`{command_line()}` on {machine()}\n\n{text}\n")


if __name__ == "__main__":
    main()
