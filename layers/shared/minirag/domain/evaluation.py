"""Retrieval metrics of an evaluation run: recall@k, MRR@10 and nDCG@10 with one relevant target per case."""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class EvalCase:
    question: str
    expected_source_id: str | None = None
    expected_answer: str | None = None


@dataclass
class EvalRun:
    id: str
    tenant_id: str
    bot_id: str
    cases: list[EvalCase]
    created_at: datetime
    status: str = "pending"  # pending | running | done | error
    metrics: dict[str, float] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    finished_at: datetime | None = None


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", folded))


def first_relevant_rank(case: EvalCase, ranked: list[dict[str, Any]]) -> int | None:
    """1-based rank of the first retrieved chunk from the expected source, or containing the expected answer."""
    answer = normalise(case.expected_answer) if case.expected_answer else None
    for rank, hit in enumerate(ranked, start=1):
        if case.expected_source_id and hit.get("source_id") == case.expected_source_id:
            return rank
        if answer and answer in normalise(str(hit.get("text", ""))):
            return rank
    return None


def summarise(ranks: list[int | None]) -> dict[str, float]:
    if not ranks:
        return {}
    n = len(ranks)

    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    ndcg = sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= 10) / n
    return {
        "recall@1": recall(1),
        "recall@5": recall(5),
        "recall@10": recall(10),
        "mrr@10": mrr,
        "ndcg@10": ndcg,
        "cases": float(n),
    }
