"""Fusion lab: the raw dense and sparse candidate lists of every eval question, fused offline by many rules.

    PYTHONPATH=layers/shared:. .venv/bin/python benchmarks/fusion_lab.py [--phantom-python ...] [--faq]

Each corpus is ingested once through the API (as eval_retrieval does); each single-turn question is then
searched twice in the vector store (dense only, sparse only, 50 candidates each), and the fusion rules
are scored on those lists without asking again. This is how the default fusion was chosen: development
corpora pick the parameters, the held-out ones check them (see RESULTS.md, "Fusion").
"""

import argparse
import json
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.eval_data import Corpus
from benchmarks.eval_metrics import ranking_scores, unique_in_order
from benchmarks.eval_retrieval import add_corpus_arguments, corpora_from, ingest
from benchmarks.results import command_line, machine, write_section
from benchmarks.stack import local_stack
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorQuery
from minirag.services import fusion

DEPTH = fusion.DEPTH


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float
    doc: str


type Lists = tuple[list[Candidate], list[Candidate]]
type Rule = Callable[[Lists], list[str]]  # candidate ids, best first


def _normalised(hits: list[Candidate], how: str) -> dict[str, float]:
    scores = [h.score for h in hits]
    if not scores:
        return {}
    if how == "max":
        top = max(scores)
        return {h.id: h.score / top if top > 0 else 0.0 for h in hits}
    if how == "z":
        mean, spread = statistics.fmean(scores), statistics.pstdev(scores)
        return {h.id: (h.score - mean) / spread if spread else 0.0 for h in hits}
    top, low = max(scores), min(scores)
    return {h.id: (h.score - low) / (top - low) if top > low else 1.0 for h in hits}


def convex(lists: Lists, weight: float, how: str = "minmax") -> list[str]:
    dense, sparse = (_normalised(lst, how) for lst in lists)
    fused = {i: weight * dense.get(i, 0.0) + (1 - weight) * sparse.get(i, 0.0) for i in dense | sparse}
    return sorted(fused, key=lambda i: -fused[i])


RULES: dict[str, Rule] = {
    "dense": lambda lists: [c.id for c in lists[0]],
    "sparse": lambda lists: [c.id for c in lists[1]],
    "rrf k=60": lambda lists: [f.id for f in fusion.rrf(*lists)],
    **{f"convex min-max, dense {w}": partial(convex, weight=w) for w in (0.3, 0.5, 0.7, 0.8)},
    **{f"convex by max, dense {w}": partial(convex, weight=w, how="max") for w in (0.5, 0.7)},
    "adaptive (the default)": lambda lists: [f.id for f in fusion.adaptive(*lists)],
}


def candidates(hits: list[Any], doc_of_source: dict[str, str]) -> list[Candidate]:
    return [Candidate(h.id, h.score, doc_of_source[h.payload["source_id"]]) for h in hits]


def collect(stack: Any, corpus: Corpus) -> list[tuple[frozenset[str], Lists]]:
    know = ingest(stack, corpus)
    services = stack.services
    bot = services.bots._bots.get(tenant_id=_tenant(services, know.headers), bot_id=know.bot_id)
    tags = services.retriever.live_tags(bot)
    embedder = services.embedders.for_bot(bot)
    out = []
    for case in corpus.cases:
        if case.first:
            continue
        query = VectorQuery(
            model=bot.embedding_model,
            tenant_id=bot.tenant_id,
            bot_id=bot.id,
            live_tags=tags,
            dense=embedder.embed([case.question])[0],
            sparse=query_vector(case.question),
            limit=DEPTH,
        )
        dense = services.vectors.search(_with(query, mode="dense"))
        sparse = services.vectors.search(_with(query, mode="sparse"))
        lists = (candidates(dense, know.doc_of_source), candidates(sparse, know.doc_of_source))
        out.append((case.gold, lists))
    return out


def _with(query: VectorQuery, **changes: Any) -> VectorQuery:
    return VectorQuery(**{**query.__dict__, **changes})


def _tenant(services: Any, headers: dict[str, str]) -> str:
    return str(services.auth.authenticate(headers["Authorization"].split()[1]).tenant_id)


def ndcg(rows: list[tuple[frozenset[str], Lists]], rule: Rule) -> float:
    scores = []
    for gold, lists in rows:
        doc_of = {c.id: c.doc for lst in lists for c in lst}
        ranked = unique_in_order(doc_of[i] for i in rule(lists)[:10])
        scores.append(ranking_scores(ranked, set(gold))["nDCG@10"])
    return statistics.fmean(scores) if scores else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--dump", default=".data/eval/fusion-lists.json")
    parser.add_argument("--from-dump", action="store_true", help="score the lists of the last run again")
    parser.add_argument("--write", action="store_true", help="write the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    dump = Path(args.dump)
    if args.from_dump:
        data = {
            name: [
                (frozenset(gold), tuple([Candidate(**c) for c in lst] for lst in lists))
                for gold, lists in rows
            ]
            for name, rows in json.loads(dump.read_text()).items()
        }
    else:
        corpora = corpora_from(args)
        with local_stack(api_token_requests_per_minute=0) as stack:
            data = {c.name: collect(stack, c) for c in corpora}
        dump.parent.mkdir(parents=True, exist_ok=True)
        rows_of = {
            n: [[sorted(g), [[c.__dict__ for c in lst] for lst in ls]] for g, ls in rs]
            for n, rs in data.items()
        }
        dump.write_text(json.dumps(rows_of))
    body = report(data)
    print(body)
    if args.write:
        header = f"Machine: {machine()}.\n\nCommand: `{command_line()}`"
        title = "## Fusion: how the default was chosen (`benchmarks/fusion_lab.py`)"
        write_section("fusion", f"{title}\n\n{header}\n\n{body}")


GRID = [
    {"prior": p, "sharpness": a, "depth": d}
    for p in (0.7, 0.75, 0.8, 0.85, 0.9)
    for a in (1.0, 1.5, 2.0, 2.5, 3.0)
    for d in (10, 20)
]


def _adaptive_rule(weighing: dict[str, float]) -> Rule:
    return lambda lists: [f.id for f in fusion.adaptive(*lists, **weighing)]


def report(data: dict[str, list[tuple[frozenset[str], Lists]]]) -> str:
    """The rules' nDCG@10 per corpus; then the adaptive rule's parameter grid, chosen on all corpora by
    the worst distance to the best single retriever, and leave-one-corpus-out: parameters chosen on the
    other corpora, scored on the one left out (how well the choice carries to a corpus it never saw)."""
    names = list(data)
    lines = ["| fusion | " + " | ".join(names) + " | mean |", "|---" * (len(names) + 2) + "|"]
    for label, rule in RULES.items():
        values = [ndcg(data[n], rule) for n in names]
        cells = " | ".join(f"{v:.3f}" for v in values)
        lines.append(f"| {label} | {cells} | {statistics.fmean(values):.3f} |")
    best = {n: max(ndcg(data[n], RULES["dense"]), ndcg(data[n], RULES["sparse"])) for n in names}
    scored = [(w, {n: ndcg(data[n], _adaptive_rule(w)) for n in names}) for w in GRID]

    def pick(among: list[str]) -> tuple[dict[str, float], dict[str, float]]:
        def key(row: tuple[dict[str, float], dict[str, float]]) -> tuple[float, float]:
            worst = min(row[1][n] - best[n] for n in among)
            return round(worst, 3), statistics.fmean(row[1][n] for n in among)

        return max(scored, key=key)

    chosen, values = pick(names)
    against = ", ".join(f"{n} {values[n]:.3f} ({values[n] - best[n]:+.3f} vs best single)" for n in names)
    lines += [
        "",
        f"Grid: {len(GRID)} settings of (prior, sharpness, confidence depth). Chosen on all corpora: "
        f"{chosen}: {against}.",
        "",
        "| left out | chosen on the others | its nDCG@10 | best single | RRF |",
        "|---|---|---|---|---|",
    ]
    for held in names:
        weighing, got = pick([n for n in names if n != held])
        rrf = ndcg(data[held], RULES["rrf k=60"])
        lines.append(f"| {held} | {weighing} | {got[held]:.3f} | {best[held]:.3f} | {rrf:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
