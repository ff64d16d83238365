"""The whole ingestion pipeline: upload -> SQS -> real ingest handler -> parse, chunk, embed -> Qdrant.

Run: PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_ingest.py [--docs 20] [--kb 50]
Corpus: generated markdown handbooks (bench_chunking.make_corpus, seeded), `--docs` files of `--kb` KB, one
upload source each, default bot settings (offline MiniLM, 200-token chunks, 32 overlap).
Reports chunks/s and MB/s end to end, the share of time in embedding, and the process's peak RSS.
"""

import argparse
import resource
import time

from benchmarks.bench_chunking import make_corpus
from benchmarks.stack import local_stack, signup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--kb", type=int, default=50)
    args = parser.parse_args()
    files = [make_corpus("md", args.kb / 1024, seed=i) for i in range(args.docs)]
    megabytes = sum(len(f) for f in files) / 1e6
    with local_stack() as stack:
        headers = signup(stack.client, "bench-ingest")
        bot = stack.client.post("/v1/bot-profiles", json={"name": "bench"}, headers=headers).json()["id"]
        stack.services.embedders.offline().embed(
            ["warm up"]
        )  # model load is a cold-start cost, not throughput
        embedder = stack.services.embedders.offline()
        spent = {"embed": 0.0}
        original = embedder.embed

        def timed(texts: list[str]) -> list[list[float]]:
            start = time.perf_counter()
            try:
                return original(texts)
            finally:
                spent["embed"] += time.perf_counter() - start

        embedder.embed = timed  # type: ignore[method-assign]
        start = time.perf_counter()
        for i, data in enumerate(files):
            response = stack.client.post(
                "/v1/sources/upload",
                data={"bot_profile_id": bot},
                headers=headers,
                files={"file": (f"handbook-{i}.md", data, "text/markdown")},
            )
            assert response.status_code == 201, response.text
        stack.worker.drain(max_rounds=10_000)
        elapsed = time.perf_counter() - start
        sources = stack.client.get("/v1/sources", params={"bot_profile_id": bot}, headers=headers).json()
        assert all(s["status"] == "ready" for s in sources), [s["error_message"] for s in sources]
        chunks = sum(s["chunk_count"] for s in sources)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| docs | MB | chunks | seconds | chunks/s | MB/s | embedding share | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.docs} | {megabytes:.2f} | {chunks} | {elapsed:.1f} | {chunks / elapsed:.0f} | "
        f"{megabytes / elapsed:.3f} | {spent['embed'] / elapsed:.0%} | {rss:.0f} |"
    )


if __name__ == "__main__":
    main()
