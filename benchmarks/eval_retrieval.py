"""Retrieval quality through the real API: upload + ingest a labelled corpus, ask its questions over
POST /v1/chat, score the returned sources (recall@1/5/10, MRR@10, nDCG@10) and, where the data set has
answers, the answer text (EM, F1, answer recall).

Run: make eval    (or PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/eval_retrieval.py
     [--phantom-python .data/phantom-venv/bin/python] [--no-write])
Corpora: benchmarks/data/handbook.json (shipped), the Python and Django FAQs (Debian's python3.11-doc and
python-django-doc: real questions about real documentation) and a PhantomWiki universe (seeded, generated
once into --cache). The data is ingested once; every configuration then gets freshly wired services (Settings are
read at wiring) over the same table and Qdrant folder, sharing only the loaded embedding model.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from benchmarks.eval_data import FAQ_PAGES, Case, Corpus, faq, handbook, phantom_wiki
from benchmarks.eval_metrics import answer_scores, averaged, ranking_scores, unique_in_order
from benchmarks.results import command_line, load, machine, write_section
from benchmarks.stack import Stack, local_stack, signup
from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.support.server import serve

RANKING = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")
ANSWERS = ("EM", "F1", "AnsRecall")


@dataclass(frozen=True)
class Config:
    label: str
    mode: str
    fusion: str = "rrf"

    @property
    def hybrid(self) -> bool:
        return self.mode == "hybrid"


CONFIGS = (
    Config("sparse (BM25-style)", "sparse"),
    Config("dense (MiniLM-L6)", "dense"),
    Config("hybrid, RRF", "hybrid", "rrf"),
    Config("hybrid, weighted (DBSF)", "hybrid", "weighted"),
    Config("hybrid, adaptive (the default)", "hybrid", "adaptive"),
)


@dataclass
class Knowledge:
    headers: dict[str, str]
    bot_id: str
    doc_of_source: dict[str, str]


def ingest(stack: Stack, corpus: Corpus) -> Knowledge:
    """A tenant per corpus, one upload per document through the API, then the real ingest handler."""
    client = stack.client
    headers = signup(client, f"eval-{corpus.name}")
    bot = client.post("/v1/bot-profiles", json={"name": corpus.name, "top_k": 10}, headers=headers)
    bot_id = bot.json()["id"]
    doc_of_source = {}
    for doc in corpus.docs:
        response = client.post(
            "/v1/sources/upload",
            data={"bot_profile_id": bot_id, "name": doc.title},
            files={"file": (f"{doc.key}.md", doc.text.encode(), "text/markdown")},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        doc_of_source[response.json()["id"]] = doc.key
    stack.worker.drain(max_rounds=100_000)
    statuses = [s["status"] for s in list_sources(client, headers, bot_id)]
    assert len(statuses) == len(corpus.docs) and set(statuses) == {"ready"}, statuses
    return Knowledge(headers, bot_id, doc_of_source)


def list_sources(client: TestClient, headers: dict[str, str], bot_id: str) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        params = {"bot_profile_id": bot_id, "limit": 200} | ({"cursor": cursor} if cursor else {})
        response = client.get("/v1/sources", params=params, headers=headers)
        found += response.json()
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            return found


@contextmanager
def wired(stack: Stack, config: Config, rewrite: bool) -> Iterator[httpx.Client]:
    """Fresh services for one configuration, served by uvicorn over real HTTP (clients run in threads)."""
    settings = stack.services.settings.model_copy(
        update={
            "retrieval_mode": config.mode,
            "retrieval_fusion": config.fusion,
            "rewrite_followups": rewrite,
        }
    )
    services = build_services(settings, embedder_for=stack.services.embedders.for_bot)
    with serve(create_app(services)) as url, httpx.Client(base_url=url, timeout=120) as client:
        yield client


def post(client: httpx.Client, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    """One retry when the server closed a kept-alive connection as the request went out (a race of
    keep-alive timeouts on a loaded machine, not an answer)."""
    try:
        return client.post("/v1/chat", json=body, headers=headers)
    except httpx.RemoteProtocolError:
        return client.post("/v1/chat", json=body, headers=headers)


def ask(client: httpx.Client, know: Knowledge, case: Case) -> dict[str, Any]:
    headers = know.headers
    chat_id = None
    if case.first:
        opening = {"bot_profile_id": know.bot_id, "message": case.first}
        chat_id = post(client, opening, headers).json()["chat_id"]
    body = {"bot_profile_id": know.bot_id, "message": case.question, "chat_id": chat_id}
    started = time.perf_counter()
    response = post(client, body, headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    answer = response.json()
    ranked = unique_in_order(know.doc_of_source[s["source_id"]] for s in answer["sources"])
    scores = ranking_scores(ranked, set(case.gold))
    if case.answers:
        scores |= answer_scores(answer["message"]["content"], case.answers)
    return {"case": case, "ranked": ranked, "scores": scores, "seconds": elapsed}


def run(stack: Stack, knowledge: dict[str, Knowledge], cases: list[Case], workers: int) -> dict:
    """(config label, rewrite) -> per-case results. Single-turn questions are asked once per retriever
    (the rewrite needs history, so it cannot change them); conversations with the rewrite on and off."""
    results: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    for config in CONFIGS:
        for rewrite in (True, False):
            chosen = [c for c in cases if rewrite or c.first]
            started = time.perf_counter()
            with wired(stack, config, rewrite) as client, ThreadPoolExecutor(workers) as pool:
                results[config.label, rewrite] = list(
                    pool.map(lambda c: ask(client, knowledge[c.corpus], c), chosen)
                )
            seconds = time.perf_counter() - started
            state = "on" if rewrite else "off"
            print(f"  {config.label}, rewrite {state}: {len(chosen)} questions, {seconds:.0f} s", flush=True)
    return results


def table(title: str, rows: list[tuple[str, list[dict[str, Any]]]], keys: tuple[str, ...]) -> str:
    n = len(rows[0][1]) if rows else 0
    lines = [f"**{title}** (n={n})", "", "| configuration | " + " | ".join(keys) + " |"]
    lines.append("|---" * (len(keys) + 1) + "|")
    best = {k: max(averaged([r["scores"] for r in rs])[k] for _, rs in rows) for k in keys}
    for label, rs in rows:
        means = averaged([r["scores"] for r in rs])
        cells = [f"**{means[k]:.3f}**" if means[k] == best[k] else f"{means[k]:.3f}" for k in keys]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def select(results: dict, rewrite: bool, corpus: str, kinds: set[str] | None) -> list[tuple[str, list]]:
    return [
        (
            c.label,
            [
                r
                for r in results[c.label, rewrite]
                if r["case"].corpus == corpus and (kinds is None or r["case"].kind in kinds)
            ],
        )
        for c in CONFIGS
    ]


def verdict(rows: list[tuple[str, list[dict[str, Any]]]]) -> str:
    ndcg = {label: averaged([r["scores"] for r in rs])["nDCG@10"] for label, rs in rows}
    hybrids = {c.label: ndcg[c.label] for c in CONFIGS if c.hybrid}
    singles = {c.label: ndcg[c.label] for c in CONFIGS if not c.hybrid}
    best_single, best_hybrid = max(singles, key=singles.get), max(hybrids, key=hybrids.get)  # type: ignore[arg-type]
    beats = "yes" if hybrids[best_hybrid] > singles[best_single] else "no"
    return (
        f"hybrid beats the best single retriever on nDCG@10: **{beats}** ({best_hybrid} "
        f"{hybrids[best_hybrid]:.3f} vs {best_single} {singles[best_single]:.3f})"
    )


def report(results: dict, corpora: list[Corpus], timings: dict[str, float]) -> str:
    parts = []
    for corpus in corpora:
        single = {c.kind for c in corpus.cases if not c.first}
        rows = select(results, True, corpus.name, single)
        parts += [table(f"{corpus.name}: single-turn questions", rows, RANKING), "", verdict(rows), ""]
        for kind in sorted(single) if corpus.name == "handbook" else []:
            parts += [
                table(
                    f"{corpus.name}: {kind} questions only",
                    select(results, True, corpus.name, {kind}),
                    RANKING,
                ),
                "",
            ]
        if any(c.answers for c in corpus.cases):
            parts += [table(f"{corpus.name}: answers of the offline extractive model", rows, ANSWERS), ""]
        for kind in sorted({c.kind for c in corpus.cases if c.first}):
            rows = [
                (f"{label}, rewrite {'on' if rewrite else 'off'}", rs)
                for rewrite in (True, False)
                for label, rs in select(results, rewrite, corpus.name, {kind})
            ]
            parts += [table(f"{corpus.name}: second turn of `{kind}` conversations", rows, RANKING), ""]
    parts += [summary(results, corpora), ""]
    parts.append(
        f"Ingest {timings['ingest']:.0f} s, questions {timings['questions']:.0f} s "
        f"(median chat {timings['median_chat_ms']:.0f} ms), load average at the end {load()}."
    )
    return "\n".join(parts)


def summary(results: dict, corpora: list[Corpus]) -> str:
    """nDCG@10 and MRR@10 of the single-turn questions per corpus, and their mean over the corpora."""
    names = [c.name for c in corpora]
    lines = [
        "**Single-turn nDCG@10 by corpus, and the mean over corpora** (each corpus weighs the same)",
        "",
        "| configuration | " + " | ".join(names) + " | mean nDCG@10 | mean MRR@10 |",
        "|---" * (len(names) + 3) + "|",
    ]
    for config in CONFIGS:
        ndcg, mrr = [], []
        for corpus in corpora:
            rows = [
                r["scores"]
                for r in results[config.label, True]
                if r["case"].corpus == corpus.name and not r["case"].first
            ]
            ndcg.append(averaged(rows)["nDCG@10"])
            mrr.append(averaged(rows)["MRR@10"])
        cells = " | ".join(f"{v:.3f}" for v in ndcg)
        lines.append(
            f"| {config.label} | {cells} | {sum(ndcg) / len(ndcg):.3f} | {sum(mrr) / len(mrr):.3f} |"
        )
    return "\n".join(lines)


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The options corpora_from reads (eval_retrieval, fusion_lab and rerank_lab share them)."""
    parser.add_argument("--phantom-python", default=".data/phantom-venv/bin/python")
    parser.add_argument("--cache", default=".data/eval")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trees", type=int, default=3)
    parser.add_argument("--tree-size", type=int, default=50)
    parser.add_argument("--per-type", type=int, default=10)


def corpora_from(args: argparse.Namespace) -> list[Corpus]:
    """The handbook always; PhantomWiki when its virtualenv and SWI-Prolog are there (make eval installs them)."""
    found = [handbook()]
    found += [c for c in (faq(name) for name in FAQ_PAGES) if c is not None]
    python = Path(args.phantom_python)
    if not python.is_file() or shutil.which("swipl") is None:
        print(f"PhantomWiki skipped: needs {python} and swipl (make eval installs both)")
        return found
    try:
        found.append(
            phantom_wiki(
                str(python),
                Path(args.cache),
                seed=args.seed,
                trees=args.trees,
                tree_size=args.tree_size,
                per_type=args.per_type,
            )
        )
    except subprocess.CalledProcessError as exc:
        print(f"PhantomWiki skipped: the generator failed: {exc.stderr.decode()[-500:]}")
    return found


def describe(corpora: list[Corpus]) -> str:
    lines = ["| corpus | documents | questions | source |", "|---|---|---|---|"]
    for c in corpora:
        kinds = ", ".join(
            f"{k} {sum(1 for x in c.cases if x.kind == k)}" for k in sorted({x.kind for x in c.cases})
        )
        lines.append(f"| {c.name} | {len(c.docs)} | {len(c.cases)} ({kinds}) | `{c.command}` |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--workers", type=int, default=4, help="concurrent chat clients")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    corpora = corpora_from(args)
    header = f"Machine: {machine()}.\n\nCommand: `{command_line()}`\n\n{describe(corpora)}"
    print(header, flush=True)
    with local_stack(api_token_requests_per_minute=0) as stack:
        started = time.perf_counter()
        knowledge = {c.name: ingest(stack, c) for c in corpora}
        print(f"ingested in {time.perf_counter() - started:.0f} s", flush=True)
        ingested = time.perf_counter()
        cases = [case for c in corpora for case in c.cases]
        results = run(stack, knowledge, cases, args.workers)
        finished = time.perf_counter()
    seconds = [r["seconds"] for rs in results.values() for r in rs]
    timings = {
        "ingest": ingested - started,
        "questions": finished - ingested,
        "median_chat_ms": statistics.median(seconds) * 1000,
    }
    body = report(results, corpora, timings)
    print("\n" + body)
    dump = Path(args.cache) / "last-run.json"
    dump.parent.mkdir(parents=True, exist_ok=True)
    dump.write_text(
        json.dumps(
            {
                f"{label} | rewrite {rw}": [
                    {
                        "q": r["case"].question,
                        "gold": sorted(r["case"].gold),
                        "ranked": r["ranked"],
                        "scores": r["scores"],
                    }
                    for r in rs
                ]
                for (label, rw), rs in results.items()
            },
            indent=1,
        )
    )
    if not args.no_write:
        write_section("eval-retrieval", f"## Retrieval quality (`make eval`)\n\n{header}\n\n{body}")


if __name__ == "__main__":
    main()
