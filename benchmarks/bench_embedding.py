"""Offline embedder throughput by batch size, one fresh process per row so load time and peak RSS are per row.

Run: PYTHONPATH=layers/shared .venv/bin/python benchmarks/bench_embedding.py [--texts 2000] [--repeat 3]
     [--words 20-60] [--batch-sizes 8,16,32,64] [--threads N]
Texts/s is the best of --repeat passes over the whole corpus (median alongside: shared machines are noisy);
texts per CPU-second is steadier under contention (with --threads 1 it is the single-core rate).
"""

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import time

from minirag.adapters.offline_embedder import OfflineEmbedder

_VOCABULARY = [
    *("the", "of", "and", "to", "in", "is", "for", "on", "with", "as", "by", "that", "this", "from", "at"),
    *("customers", "invoice", "refund", "password", "account", "billing", "subscription", "support"),
    *("server", "latency", "database", "replica", "timeout", "deployment", "region", "outage", "alert"),
    *("retrieval", "embedding", "vector", "query", "citation", "document", "chunk", "tenant", "widget"),
    *("quickly", "carefully", "unexpectedly", "reliable", "expensive", "internationalization", "2024"),
    *("photosynthesis", "orchestra", "recipe", "mountain", "election", "vaccine", "satellite", "poetry"),
]


def make_corpus(count: int, words: tuple[int, int] = (20, 60), seed: int = 7) -> list[str]:
    """count texts of words[0] to words[1] words, the same on every run."""
    rng = random.Random(seed)
    return [
        " ".join(rng.choices(_VOCABULARY, k=rng.randint(*words))).capitalize() + rng.choice(".?!")
        for _ in range(count)
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_row(
    batch_size: int, texts: int, words: tuple[int, int], repeat: int, threads: int | None
) -> dict[str, float]:
    corpus = make_corpus(texts, words)
    embedder = OfflineEmbedder(batch_size=batch_size, intra_op_threads=threads)
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    embedder.warm()
    load_s = time.perf_counter() - started
    tokens = sum(min(embedder.count_tokens(t), embedder.max_input_tokens) for t in corpus) / len(corpus)
    rates, cpu_rates = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        embedder.embed(corpus)
        rates.append(len(corpus) / (time.perf_counter() - started))
        cpu_rates.append(len(corpus) / (time.process_time() - cpu_started))
    return {
        "best": max(rates),
        "median": statistics.median(rates),
        "cpu": max(cpu_rates),
        "load_s": load_s,
        "tokens": tokens,
        "baseline_rss": baseline,
        "peak_rss": _peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (default: all cores)")
    parser.add_argument("--batch-sizes", default="8,16,32,64")
    parser.add_argument("--words", default="20-60", help="words per text, min-max (190-200: ~256 tokens)")
    args = parser.parse_args()
    low, high = (int(w) for w in args.words.split("-"))
    threads = args.threads or os.process_cpu_count()
    print(
        f"{args.texts} texts of {low}-{high} words, {threads} intra-op threads, best of {args.repeat} passes\n"
    )
    print(
        "| batch | texts/s best | texts/s median | texts per CPU-s | mean tokens | load s "
        "| peak RSS MB (before load) |"
    )
    print("|---|---|---|---|---|---|---|")
    context = multiprocessing.get_context("spawn")
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        with context.Pool(1) as pool:
            r = pool.apply(run_row, (batch_size, args.texts, (low, high), args.repeat, args.threads))
        print(
            f"| {batch_size} | {r['best']:.1f} | {r['median']:.1f} | {r['cpu']:.1f} | {r['tokens']:.0f} "
            f"| {r['load_s']:.2f} "
            f"| {r['peak_rss']:.0f} ({r['baseline_rss']:.0f}) |"
        )


if __name__ == "__main__":
    main()
