"""The reranking stage with an in-memory reranker: order, scores, top_k, failures, deadline, credentials."""

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.reranking import RerankRequest, RerankScore, candidate_count, rerank_credentials
from minirag.domain.vectors import VectorHit
from minirag.services.reranking import Reranking

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def bot(**fields: Any) -> BotProfile:
    values: dict[str, Any] = {"model": "minirag/offline-extractive", "rerank_model": "cohere/rerank-v3.5"}
    values.update(fields)
    return BotProfile(
        id="b", tenant_id="t", name="b", embedding_model="offline/x", created_at=NOW, updated_at=NOW, **values
    )


def hits(n: int) -> list[VectorHit]:
    return [VectorHit(id=f"c{i}", score=1.0 - i / 100, payload={"text": f"text {i}"}) for i in range(n)]


class InMemoryReranker:
    """Ranks the documents in reverse, or fails as told."""

    def __init__(self, answer: list[RerankScore] | None = None, error: Exception | None = None) -> None:
        self.answer, self.error = answer, error
        self.requests: list[RerankRequest] = []
        self.release = threading.Event()
        self.hang = False

    def rerank(self, request: RerankRequest) -> list[RerankScore]:
        self.requests.append(request)
        if self.hang:
            self.release.wait(5)
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer
        n = len(request.documents)
        return [RerankScore(index=n - 1 - k, score=0.9 - k / 10) for k in range(request.top_n)]


def stage(reranker: InMemoryReranker, creds: Credentials | None = None, timeout_s: float = 2.0) -> Reranking:
    return Reranking(reranker=reranker, credentials=lambda _: creds or Credentials(), timeout_s=timeout_s)


def test_candidates_widen_only_for_reranked_bots() -> None:
    assert candidate_count(5, False) == 5
    assert (
        candidate_count(3, True) == 20
        and candidate_count(10, True) == 40
        and candidate_count(50, True) == 100
    )
    assert Reranking.candidates(bot(top_k=5)) == 20 and Reranking.candidates(bot(rerank_model=None)) == 5


def test_the_reranked_top_k_carry_the_rerankers_scores() -> None:
    reranker = InMemoryReranker()
    got = stage(reranker).apply(bot(top_k=3), "q", hits(20))
    assert [(h.id, h.score) for h in got] == [("c19", 0.9), ("c18", 0.8), ("c17", 0.7)]
    sent = reranker.requests[0]
    assert (
        sent.query == "q" and sent.top_n == 3 and sent.documents[0] == "text 0" and len(sent.documents) == 20
    )


def test_without_a_rerank_model_nothing_is_asked() -> None:
    reranker = InMemoryReranker()
    got = stage(reranker).apply(bot(rerank_model=None, top_k=2), "q", hits(5))
    assert [h.id for h in got] == ["c0", "c1"]
    assert reranker.requests == []


@pytest.mark.parametrize(
    "reranker",
    [
        InMemoryReranker(error=RuntimeError("provider down")),
        InMemoryReranker(answer=[RerankScore(index=7, score=1.0)]),  # out of range for 5 candidates
        InMemoryReranker(answer=[]),
    ],
)
def test_a_failing_reranker_keeps_the_fused_order(reranker: InMemoryReranker) -> None:
    got = stage(reranker).apply(bot(top_k=3), "q", hits(5))
    assert [(h.id, h.score) for h in got] == [(h.id, h.score) for h in hits(3)]


def test_a_hanging_reranker_is_left_behind_at_the_deadline() -> None:
    reranker = InMemoryReranker()
    reranker.hang = True
    try:
        got = stage(reranker, timeout_s=0.2).apply(bot(top_k=2), "q", hits(5))
    finally:
        reranker.release.set()
    assert [h.id for h in got] == ["c0", "c1"]


def test_rerank_credentials_never_hand_one_providers_key_to_another() -> None:
    chat_only = Credentials(api_key="sk-openai", api_base="https://llm.example")
    assert rerank_credentials(bot(model="openai/gpt-4o-mini"), chat_only) == (None, None)
    assert rerank_credentials(bot(model="gpt-4o-mini"), chat_only) == (None, None)
    cohere = Credentials(api_key="co-key")
    assert rerank_credentials(bot(model="cohere/command-r"), cohere) == ("co-key", None)
    own = Credentials(api_key="co-key", rerank_api_key="rr-key", rerank_api_base="https://rr.example")
    assert rerank_credentials(bot(model="cohere/command-r"), own) == ("rr-key", "https://rr.example")
    assert stage(InMemoryReranker(), own).apply(bot(), "q", hits(2))[0].id == "c1"
