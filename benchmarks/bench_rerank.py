"""What the reranking stage costs this process per query: 20 candidates through LiteLLM's rerank call to a
Cohere-protocol fake on loopback (in a child process, so its CPU is not counted here).

    PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/bench_rerank.py [--queries 100]
"""

import argparse
import multiprocessing
import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from minirag.adapters.litellm_rerank import LiteLLMReranker
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.vectors import VectorHit
from minirag.services.reranking import Reranking

PASSAGE = "Every employee gets 27 days of paid holiday a year; unused days carry over until March 31. " * 9


def serve(ready: Any, stop: Any) -> None:
    from tests.support.fake_rerank import fake_rerank

    with fake_rerank(favour=["19"]) as fake:
        ready.put(fake.url)
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    ready, stop = multiprocessing.Queue(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(ready, stop), daemon=True)
    server.start()
    url = ready.get(timeout=30)
    now = datetime.now(UTC)
    bot = BotProfile(
        id="b",
        tenant_id="t",
        name="b",
        model="minirag/offline-extractive",
        embedding_model="offline/all-minilm-l6-v2",
        created_at=now,
        updated_at=now,
        rerank_model="cohere/rerank-v3.5",
    )
    creds = Credentials(rerank_api_key="k", rerank_api_base=url)
    stage = Reranking(reranker=LiteLLMReranker(), credentials=lambda _: creds, timeout_s=5.0)
    hits = [VectorHit(id=str(i), score=1 - i / 100, payload={"text": f"{i} {PASSAGE}"}) for i in range(20)]
    import litellm  # noqa: F401  (imported before the first turn in the app too: the chat model's check, warm-up)

    assert stage.apply(bot, "how many holidays?", hits)[0].id == "19"  # warm: the first call's set-up
    cpu, wall = [], []
    for _ in range(args.queries):
        started_cpu, started = time.process_time(), time.perf_counter()
        stage.apply(bot, "how many holidays?", hits)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    stop.set()
    print(
        f"{args.queries} queries x 20 candidates of {len(PASSAGE)} chars: "
        f"CPU median {statistics.median(cpu):.1f} ms (p90 {statistics.quantiles(cpu, n=10)[-1]:.1f}), "
        f"wall median {statistics.median(wall):.1f} ms; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
