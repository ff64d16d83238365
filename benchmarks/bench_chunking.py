"""Parse + chunk throughput on a generated corpus, one fresh process per row so peak RSS is per row.

Run: PYTHONPATH=layers/shared .venv/bin/python benchmarks/bench_chunking.py [--mb 4.8] [--repeat 3]
       [--tokenizer path/to/tokenizer.json]
Timings are the best of --repeat runs. The counter is approx_tokens, or with --tokenizer a real WordPiece
count (HF `tokenizers`, special tokens included, no truncation) as the offline embedder would pass.
"""

import argparse
import multiprocessing
import random
import resource
import time
from dataclasses import dataclass

from minirag.adapters.parsers import parse_document
from minirag.domain.chunking import TokenCounter, approx_tokens, chunk_document

_VOCABULARY = [
    *("the", "of", "and", "to", "in", "is", "for", "on", "with", "as", "by", "that", "this", "from", "at"),
    *("are", "be", "or", "an", "it", "which", "data", "system", "model", "retrieval", "chunk", "token"),
    *("embedding", "vector", "query", "index", "tenant", "source", "document", "answer", "citation"),
    *("latency", "throughput", "serverless", "function", "queue", "storage", "table", "cache", "request"),
    *("response", "stream", "error", "retry", "policy", "configuration", "deployment", "region", "network"),
    *("security", "credential", "permission", "role", "user", "account", "widget", "internationalization"),
    *("approximately", "characteristics", "implementation"),
]


@dataclass(frozen=True)
class Row:
    fmt: str
    chunk_tokens: int
    overlap_tokens: int
    tokenizer: str | None = None


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_VOCABULARY, k=rng.randint(6, 24))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def _blocks(rng: random.Random, target: int) -> list[tuple[int, str]]:
    """(heading level or 0 for a paragraph, text) until about target characters."""
    blocks, size = [], 0
    while size < target:
        level = rng.choices([0, 1, 2, 3], weights=[20, 1, 3, 5])[0]
        sentences = [_sentence(rng) for _ in range(1 if level else rng.randint(1, 8))]
        text = sentences[0][:-1] if level else " ".join(sentences)
        blocks.append((level, text))
        size += len(text) + 2
    return blocks


def make_corpus(fmt: str, megabytes: float, seed: int = 7) -> bytes:
    blocks = _blocks(random.Random(seed), int(megabytes * 1_000_000))
    if fmt == "md":
        return "\n\n".join(f"{'#' * level} {text}" if level else text for level, text in blocks).encode()
    body = "\n".join(f"<h{level}>{text}</h{level}>" if level else f"<p>{text}</p>" for level, text in blocks)
    return f"<html><head><title>Bench</title></head><body>{body}</body></html>".encode()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _counter(tokenizer_path: str | None) -> TokenCounter:
    if tokenizer_path is None:
        return approx_tokens
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text).ids)


def run_row(row: Row, megabytes: float, repeat: int) -> dict[str, float]:
    data = make_corpus(row.fmt, megabytes)
    count = _counter(row.tokenizer)
    baseline = _peak_rss_mb()
    parse_s = chunk_s = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        doc = parse_document(data, filename=f"corpus.{row.fmt}", content_type=None, title="bench")
        parsed = time.perf_counter()
        chunks = chunk_document(
            doc, chunk_tokens=row.chunk_tokens, overlap_tokens=row.overlap_tokens, count_tokens=count
        )
        parse_s = min(parse_s, parsed - started)
        chunk_s = min(chunk_s, time.perf_counter() - parsed)
    mb = len(data) / 1_000_000
    return {
        "mb": mb,
        "sections": len(doc.sections),
        "chunks": len(chunks),
        "mean_tokens": sum(c.token_count for c in chunks) / len(chunks),
        "parse_mbs": mb / parse_s,
        "chunk_mbs": mb / chunk_s,
        "total_mbs": mb / (parse_s + chunk_s),
        "chunks_s": len(chunks) / (parse_s + chunk_s),
        "baseline_rss": baseline,
        "peak_rss": _peak_rss_mb(),
    }


def _rows(tokenizer: str | None) -> list[Row]:
    rows = [Row("md", 128, 16), Row("md", 256, 32), Row("md", 512, 64), Row("md", 256, 0)]
    rows.append(Row("html", 256, 32))
    if tokenizer:
        rows += [Row("md", 256, 32, tokenizer), Row("html", 256, 32, tokenizer)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.8, help="corpus MB (text is capped at 5 M chars)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tokenizer", help="a HF tokenizer.json: adds rows counted with it")
    args = parser.parse_args()
    print(
        "| input | counter | chunk/overlap | sections | chunks | mean tok | parse MB/s | chunk MB/s |", end=""
    )
    print(" parse+chunk MB/s | chunks/s | peak RSS MB (after corpus built) |")
    print("|---" * 11 + "|")
    context = multiprocessing.get_context("spawn")
    for row in _rows(args.tokenizer):
        with context.Pool(1) as pool:
            r = pool.apply(run_row, (row, args.mb, args.repeat))
        print(
            f"| {r['mb']:.1f} MB {row.fmt} | {'wordpiece' if row.tokenizer else 'approx'} "
            f"| {row.chunk_tokens}/{row.overlap_tokens} | {r['sections']:,} | {r['chunks']:,} "
            f"| {r['mean_tokens']:.0f} | {r['parse_mbs']:.1f} | {r['chunk_mbs']:.1f} | {r['total_mbs']:.1f} "
            f"| {r['chunks_s']:,.0f} | {r['peak_rss']:.0f} ({r['baseline_rss']:.0f}) |"
        )


if __name__ == "__main__":
    main()
