"""The reranking stage: a bot's rerank model reorders what retrieval found, and keeps the bot's top_k.

A reranker is an improvement, never a dependency: when it fails, times out or answers nonsense, the turn
goes on with the fused order (logged), as it would have without one.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace

from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.reranking import RerankRequest, RerankScore, candidate_count, rerank_credentials
from minirag.domain.vectors import VectorHit
from minirag.ports import Reranker

log = logging.getLogger("minirag.reranking")


class Reranking:
    def __init__(
        self,
        *,
        reranker: Reranker,
        credentials: Callable[[BotProfile], Credentials],
        timeout_s: float = 2.0,
        executor: Executor | None = None,
    ) -> None:
        """`timeout_s` is a hard deadline: the call runs on `executor` and the turn stops waiting for it
        then, whatever the provider's client does (LiteLLM's own timeout may take twice as long)."""
        self._reranker = reranker
        self._credentials = credentials
        self._timeout_s = timeout_s
        self._executor = executor or ThreadPoolExecutor(max_workers=4, thread_name_prefix="rerank")

    @staticmethod
    def candidates(bot: BotProfile) -> int:
        """How many hits retrieval should fetch for this bot."""
        return candidate_count(bot.top_k, bool(bot.rerank_model))

    def apply(self, bot: BotProfile, query: str, hits: list[VectorHit]) -> list[VectorHit]:
        """The bot's top_k hits, reranked when it has a rerank model; scores become the reranker's."""
        if not bot.rerank_model or len(hits) < 2:
            return hits[: bot.top_k]
        started = time.perf_counter()
        try:
            api_key, api_base = rerank_credentials(bot, self._credentials(bot))
            request = RerankRequest(
                model=bot.rerank_model,
                query=query,
                documents=[str(h.payload.get("text", "")) for h in hits],
                top_n=min(bot.top_k, len(hits)),
                api_key=api_key,
                api_base=api_base,
                timeout_s=self._timeout_s,
            )
            pending = self._executor.submit(self._reranker.rerank, request)
            ranked = _valid(pending.result(timeout=self._timeout_s), len(hits))
        except Exception as exc:  # any failure of the reranker: the fused order stands
            log.warning(
                "rerank failed; keeping the retrieval order",
                extra={"bot_id": bot.id, "model": bot.rerank_model, "error": type(exc).__name__},
            )
            return hits[: bot.top_k]
        log.debug("reranked", extra={"bot_id": bot.id, "ms": round((time.perf_counter() - started) * 1000)})
        return [replace(hits[i], score=score) for i, score in ranked[: bot.top_k]]


def _valid(scores: list[RerankScore], count: int) -> list[tuple[int, float]]:
    """Best first, each candidate once; an index out of range or a missing answer is a failure."""
    seen: dict[int, float] = {}
    for item in scores:
        index, score = int(item.index), float(item.score)
        if not 0 <= index < count:
            raise ValueError(f"rerank index {index} out of range")
        seen.setdefault(index, score)
    if not seen:
        raise ValueError("the reranker ranked nothing")
    return sorted(seen.items(), key=lambda pair: pair[1], reverse=True)
