"""Ranking and answer metrics for the retrieval evaluation (document level, binary relevance)."""

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import mean

_CITATION = re.compile(r"\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def unique_in_order(items: Iterable[str]) -> list[str]:
    """Chunks of one document collapse to that document's best rank."""
    seen: set[str] = set()
    ranked = []
    for item in items:
        if item not in seen:
            seen.add(item)
            ranked.append(item)
    return ranked


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return len(gold & set(ranked[:k])) / len(gold)


def mrr_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    return next((1.0 / rank for rank, doc in enumerate(ranked[:k], start=1) if doc in gold), 0.0)


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def ranking_scores(ranked: Sequence[str], gold: set[str]) -> dict[str, float]:
    return {
        "R@1": recall_at(ranked, gold, 1),
        "R@5": recall_at(ranked, gold, 5),
        "R@10": recall_at(ranked, gold, 10),
        "MRR@10": mrr_at(ranked, gold),
        "nDCG@10": ndcg_at(ranked, gold),
    }


def normalize(text: str) -> str:
    """SQuAD's answer normalisation, after removing MiniRAG's [n] citation markers."""
    text = _CITATION.sub(" ", text.lower())
    text = "".join(ch for ch in text if ch not in set(string.punctuation) - {"-"})
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def answer_scores(prediction: str, answers: Sequence[str]) -> dict[str, float]:
    """EM and F1 against the whole gold answer set (PhantomWiki's answers are sets, joined in a fixed
    order), and answer recall: the share of gold answers that appear verbatim in the prediction."""
    joined = " ".join(sorted(answers))
    said = normalize(prediction)
    exact = float(said == normalize(joined) or any(said == normalize(a) for a in answers))
    found = sum(1 for a in answers if normalize(a) and f" {normalize(a)} " in f" {said} ")
    return {"EM": exact, "F1": token_f1(prediction, joined), "AnsRecall": found / len(answers)}


def averaged(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {key: mean(row[key] for row in rows) for key in rows[0]} if rows else {}
