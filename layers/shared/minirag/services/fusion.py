"""Fusing a dense and a sparse candidate list into one ranking that keeps their scores.

Reciprocal rank fusion keeps only ranks: a confident dense hit and a weak lexical one count the same, so
it loses to the better single retriever whenever one of them is clearly right (on every corpus we
measure; benchmarks/RESULTS.md, "Fusion"). Here each list is min-max normalised per query, and the two
are added with a weight that follows how sure each retriever is of this query: how far its best score
stands above its 20th, relative to the best (a paraphrase flattens BM25's scores, a name or a number
flattens a small embedder's). The dense weight is

    w = p * cd^a / (p * cd^a + (1 - p) * cs^a)

with cd, cs those confidences, p = 0.9 (dense is the better retriever more often) and a = 2.5 (sharpens
the choice). p, a, the depth and the normalisation were chosen on the four corpora of `make eval`; the
leave-one-corpus-out figures that say how well that generalises are in RESULTS.md.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DEPTH = 50  # candidates asked of each retriever; the normalisation spans them
CONFIDENCE_DEPTH = 20
DENSE_PRIOR = 0.9
SHARPNESS = 2.5
RRF_K = 60


class Scored(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class Fused:
    id: str
    score: float


def confidence(hits: Sequence[Scored], depth: int = CONFIDENCE_DEPTH) -> float:
    """(best - the depth-th best) / best: 0 when the retriever cannot tell its candidates apart."""
    scores = [h.score for h in hits[:depth]]
    if len(scores) < 2:
        return 1.0 if scores else 0.0
    return max(0.0, (scores[0] - scores[-1]) / abs(scores[0])) if scores[0] else 0.0


def dense_weight(
    dense: Sequence[Scored],
    sparse: Sequence[Scored],
    *,
    prior: float = DENSE_PRIOR,
    sharpness: float = SHARPNESS,
    depth: int = CONFIDENCE_DEPTH,
) -> float:
    cd, cs = confidence(dense, depth) ** sharpness, confidence(sparse, depth) ** sharpness
    if cd + cs == 0:
        return prior
    return prior * cd / (prior * cd + (1 - prior) * cs)


def _minmax(hits: Sequence[Scored]) -> dict[str, float]:
    if not hits:
        return {}
    top, low = max(h.score for h in hits), min(h.score for h in hits)
    span = top - low
    out: dict[str, float] = {}
    for h in hits:  # a point listed twice keeps its best
        out[h.id] = max(out.get(h.id, 0.0), (h.score - low) / span if span > 0 else 1.0)
    return out


def _ranked(parts: list[tuple[dict[str, float], float]]) -> list[Fused]:
    fused: dict[str, float] = {}
    for values, weight in parts:
        for hit_id, value in values.items():
            fused[hit_id] = fused.get(hit_id, 0.0) + weight * value
    return [Fused(i, round(fused[i], 6)) for i in sorted(fused, key=lambda i: (-fused[i], i))]


def adaptive(dense: Sequence[Scored], sparse: Sequence[Scored], **weighing: float) -> list[Fused]:
    """The default fusion: scores in 0..1, the better-sure retriever weighing more. `weighing` overrides
    dense_weight's parameters (the evaluation's grid search; production uses the defaults)."""
    if not sparse or not dense:
        only = dense or sparse
        return _ranked([(_minmax(only), 1.0)])
    w = dense_weight(dense, sparse, **weighing)  # type: ignore[arg-type]
    return _ranked([(_minmax(dense), w), (_minmax(sparse), 1 - w)])


def rrf(dense: Sequence[Scored], sparse: Sequence[Scored], k: int = RRF_K) -> list[Fused]:
    parts = []
    for hits in (dense, sparse):
        ranks: dict[str, float] = {}
        for rank, h in enumerate(hits, 1):
            ranks.setdefault(h.id, 1.0 / (k + rank))
        parts.append((ranks, 1.0))
    return _ranked(parts)
