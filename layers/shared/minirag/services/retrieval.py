"""Hybrid retrieval for a bot: only live versions of its active sources, filtered by tenant and bot."""

from collections.abc import Callable
from dataclasses import dataclass

from minirag.domain.knowledge import BotProfile
from minirag.domain.lexical import query_vector
from minirag.domain.vectors import VectorHit, VectorQuery
from minirag.ports import Embedder, SourceRepository, VectorStore


@dataclass(frozen=True)
class RetrievalSettings:
    mode: str = "hybrid"  # hybrid | dense | sparse
    fusion: str = "rrf"  # rrf | weighted


class Retriever:
    def __init__(
        self,
        *,
        sources: SourceRepository,
        vectors: VectorStore,
        embedder_for: Callable[[BotProfile], Embedder],
        settings: RetrievalSettings,
    ) -> None:
        self._sources = sources
        self._vectors = vectors
        self._embedder_for = embedder_for
        self.settings = settings

    def live_tags(self, bot: BotProfile, source_ids: list[str] | None = None) -> list[str]:
        """Deleted or switched-off sources drop out here, even before their vectors are gone."""
        chosen = set(source_ids or [])
        return [
            s.live_tag
            for s in self._sources.list_all(tenant_id=bot.tenant_id)
            if s.bot_profile_id == bot.id and s.is_active and s.version > 0 and (not chosen or s.id in chosen)
        ]

    def search(
        self,
        bot: BotProfile,
        query: str,
        *,
        source_ids: list[str] | None = None,
        settings: RetrievalSettings | None = None,
    ) -> list[VectorHit]:
        tags = self.live_tags(bot, source_ids)
        if not tags or not query.strip():
            return []
        chosen = settings or self.settings
        dense = self._embedder_for(bot).embed([query])[0] if chosen.mode != "sparse" else []
        hits = self._vectors.search(
            VectorQuery(
                model=bot.embedding_model,
                tenant_id=bot.tenant_id,
                bot_id=bot.id,
                live_tags=tags,
                dense=dense,
                sparse=query_vector(query),
                limit=bot.top_k,
                mode=chosen.mode,
                fusion=chosen.fusion,
            )
        )
        if bot.score_threshold is not None:
            hits = [h for h in hits if h.score >= bot.score_threshold]
        return hits
