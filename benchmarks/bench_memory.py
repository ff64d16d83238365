"""`make run`'s memory over many chat turns, and its first answer against warm ones.

Run: PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.bench_memory --turns 1000 [--write]
Starts `make run` as a child process (benchmarks/localrun.py), waits until the API answers and, with the
warm-up on, until health says the models are loaded; a new tenant adds a bot and three sources. Then the
first chat is timed against the median of the next 20. Then `--turns` chat turns (4 client threads, chats of
5 turns) with the resident memory of the local cloud's process (API, pollers, handlers, moto) and of
DynamoDB Local's JVM after 100 turns and at the end. `--no-warm` repeats the first-answer part with
MINIRAG_WARM_MODELS=false, to show what the warm-up saves.
"""

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks.localrun import Running, local_run, rss_mb
from benchmarks.results import command_line, machine, write_section

QUESTIONS = ["How many days of holiday do we get?", "Who approves expenses?", "When are salaries paid?"]


def _tenant(http: httpx.Client) -> tuple[dict[str, str], str]:
    slug = f"mem-{int(time.time() * 1000)}"
    body = {"tenant_name": slug, "tenant_slug": slug, "owner_email": f"{slug}@example.com",
            "owner_password": "memory bench password"}  # fmt: skip
    headers = {"Authorization": f"Bearer {http.post('/v1/tenants', json=body).json()['api_token']}"}
    bot = http.post("/v1/bot-profiles", json={"name": "Handbook"}, headers=headers).json()["id"]
    texts = [
        "We get 27 days of holiday a year.",
        "Expenses are approved by your manager.",
        "Salaries are paid on the 25th.",
    ]
    for i, text in enumerate(texts):
        source = {"bot_profile_id": bot, "name": f"Policy {i}", "source_type": "text", "content": text}
        http.post("/v1/sources?ingest=true", json=source, headers=headers).raise_for_status()
    deadline = time.monotonic() + 300
    while any(s["status"] != "ready" for s in http.get("/v1/sources", headers=headers).json()):
        if time.monotonic() > deadline:
            raise RuntimeError("sources not ingested")
        time.sleep(0.2)
    return headers, bot


def _chat(
    http: httpx.Client, headers: dict[str, str], bot: str, i: int, chat_id: str | None = None
) -> tuple[float, str]:
    body: dict[str, Any] = {"bot_profile_id": bot, "message": QUESTIONS[i % 3]} | (
        {"chat_id": chat_id} if chat_id else {}
    )
    started = time.perf_counter()
    response = http.post("/v1/chat", json=body, headers=headers)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000, str(response.json()["chat_id"])


def first_answer(warm: bool) -> dict[str, float]:
    os.environ["MINIRAG_WARM_MODELS"] = "true" if warm else "false"
    with local_run(wait_for_models=warm) as running, httpx.Client(base_url=running.url, timeout=300) as http:
        headers, bot = _tenant(http)
        first, _ = _chat(http, headers, bot, 0)
        warm_ms = statistics.median(_chat(http, headers, bot, i)[0] for i in range(1, 21))
        other_headers, other_bot = _tenant(http)  # a warm process: what a bot's first chat costs by itself
        other_first, _ = _chat(http, other_headers, other_bot, 0)
    return {
        "up_s": running.started_s, "warm_s": running.warm_s, "first_ms": first, "warm_ms": warm_ms,
        "new_bot_first_ms": other_first,
    }  # fmt: skip


def memory(turns: int) -> dict[str, float]:
    with local_run() as running, httpx.Client(base_url=running.url, timeout=300) as http:
        headers, bot = _tenant(http)
        samples: dict[int, tuple[float, float]] = {}
        done = 0
        for target in (100, turns):
            with ThreadPoolExecutor(4) as pool:
                list(
                    pool.map(
                        lambda c: _conversation(running.url, headers, bot, c), range(done // 5, target // 5)
                    )
                )
            done = target
            samples[target] = _rss(running)
            print(
                f"after {target} turns: {samples[target][0]:.0f} MB (DynamoDB Local {samples[target][1]:.0f} MB)",
                flush=True,
            )
    (app100, jvm100), (app_end, jvm_end) = samples[100], samples[turns]
    return {
        "app_100": app100,
        "app_end": app_end,
        "jvm_100": jvm100,
        "jvm_end": jvm_end,
        "ratio": app_end / app100,
    }


def _conversation(url: str, headers: dict[str, str], bot: str, n: int) -> None:
    with httpx.Client(base_url=url, timeout=300) as http:
        _, chat_id = _chat(http, headers, bot, n)
        for i in range(4):
            _chat(http, headers, bot, n + i, chat_id)


def _rss(running: Running) -> tuple[float, float]:
    """`make run`'s processes (the API's and the vector store's), and DynamoDB Local's."""
    engine, vectors = running.engine_pid(), running.vector_pid()
    return rss_mb(running.pid) + (rss_mb(vectors) if vectors else 0.0), rss_mb(engine) if engine else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument(
        "--no-warm", action="store_true", help="also time the first answer without the warm-up"
    )
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--first-only", action="store_true", help="only the first-answer part")
    args = parser.parse_args()
    rows = [("on", first_answer(True))] + ([("off", first_answer(False))] if args.no_warm else [])
    for label, r in rows:
        print(f"warm-up {label}: {r}", flush=True)
    if args.first_only:
        return
    mem = memory(args.turns)
    print(mem)
    lines = [
        "## make run: first answer and memory (`benchmarks/bench_memory.py`)", "",
        f"Machine: {machine()}.", "", f"Command: `{command_line()}`", "",
        "| warm-up | API up after s | models loaded after s | first answer ms | warm answer ms (median of 20) | first / warm |",
        "|---|---|---|---|---|---|",
        *(f"| {label} | {r['up_s']:.1f} | {r['warm_s']:.1f} | {r['first_ms']:.0f} | {r['warm_ms']:.0f} | "
          f"{r['first_ms'] / r['warm_ms']:.2f} |" for label, r in rows),
        "", "| chat turns | local cloud RSS MB (API, pollers, handlers, moto) | DynamoDB Local RSS MB |", "|---|---|---|",
        f"| 100 | {mem['app_100']:.0f} | {mem['jvm_100']:.0f} |",
        f"| {args.turns} | {mem['app_end']:.0f} | {mem['jvm_end']:.0f} |", "",
        f"Resident memory after {args.turns} turns / after 100: **{mem['ratio']:.2f}** (goal <= 1.5).",
    ]  # fmt: skip
    print("\n".join(lines))
    if args.write:
        write_section("make-run-memory", "\n".join(lines))


if __name__ == "__main__":
    main()
