"""Hybrid retrieval for a bot: only live versions of its active sources, filtered by tenant and bot."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from minirag.domain.knowledge import BotProfile, Source, SourceStatus
from minirag.domain.lexical import query_vector
from minirag.domain.remote import REMOTE_SEARCH_TYPES
from minirag.domain.vectors import VectorHit, VectorQuery
from minirag.ports import Embedder, SourceRepository, VectorStore
from minirag.services import fusion
from minirag.services.remote_search import RemoteSources
from minirag.services.reranking import Reranking


@dataclass(frozen=True)
class RetrievalSettings:
    mode: str = "hybrid"  # hybrid | dense | sparse
    fusion: str = "adaptive"  # adaptive (score-aware, services/fusion.py) | rrf | weighted (Qdrant's DBSF)


type _Live = tuple[list[tuple[str, str]], list[Source]]  # live (source id, tag) pairs, remote sources


class LiveSources:
    """A bot's live (source id, tag) pairs, kept per process under the bot's `sources_rev`.

    Every source save or delete writes a new random revision on the bot item after the source write,
    and chat reads the bot item anyway: a cached list is reused only while the revision read with the
    bot is the one it was built under, so a chat turn skips the tenant's source query without ever
    using a list older than its bot read. `max_age_s` bounds the damage of a revision write that failed
    after its source write (the error reached the caller, who retries)."""

    def __init__(
        self,
        sources: SourceRepository,
        *,
        max_age_s: float = 60.0,
        max_bots: int = 512,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sources = sources
        self._max_age_s = max_age_s
        self._max_bots = max_bots
        self._now = now
        self._lock = threading.Lock()
        self._cached: OrderedDict[tuple[str, str], tuple[str, float, _Live]] = OrderedDict()

    def of(self, bot: BotProfile) -> list[tuple[str, str]]:
        return self._entry(bot)[0]

    def remote(self, bot: BotProfile) -> list[Source]:
        """The bot's active, ready remote-search sources (searched at question time, never indexed)."""
        return self._entry(bot)[1]

    def _entry(self, bot: BotProfile) -> "_Live":
        key = (bot.tenant_id, bot.id)
        with self._lock:
            hit = self._cached.get(key)
        if hit is not None and bot.sources_rev == hit[0] and self._now() - hit[1] < self._max_age_s:
            return hit[2]
        loaded_at = self._now()
        mine = [
            s
            for s in self._sources.list_all(tenant_id=bot.tenant_id)
            if s.bot_profile_id == bot.id and s.is_active
        ]
        live = [(s.id, s.live_tag) for s in mine if s.version > 0]
        remote = [s for s in mine if s.source_type in REMOTE_SEARCH_TYPES and s.status == SourceStatus.READY]
        if bot.sources_rev is not None:
            with self._lock:
                self._cached[key] = (bot.sources_rev, loaded_at, (live, remote))
                self._cached.move_to_end(key)
                while len(self._cached) > self._max_bots:
                    self._cached.popitem(last=False)
        return live, remote


class Retriever:
    def __init__(
        self,
        *,
        sources: SourceRepository,
        vectors: VectorStore,
        embedder_for: Callable[[BotProfile], Embedder],
        settings: RetrievalSettings,
        remote: RemoteSources | None = None,
        rerank: Reranking | None = None,
        curated: Callable[[BotProfile], list[tuple[str, str]]] | None = None,
    ) -> None:
        self._live = LiveSources(sources)
        self._curated = curated  # (curated answer id, live tag) pairs: searched as knowledge too
        self._rerank = rerank
        self._remote = remote
        self._vectors = vectors
        self._embedder_for = embedder_for
        self.settings = settings

    def live_tags(self, bot: BotProfile, source_ids: list[str] | None = None) -> list[str]:
        """Deleted or switched-off sources drop out here, even before their vectors are gone."""
        chosen = set(source_ids or [])
        live = self._live.of(bot) + (self._curated(bot) if self._curated is not None else [])
        return [tag for source_id, tag in live if not chosen or source_id in chosen]

    def search(
        self,
        bot: BotProfile,
        query: str,
        *,
        source_ids: list[str] | None = None,
        settings: RetrievalSettings | None = None,
        dense: list[float] | None = None,
    ) -> list[VectorHit]:
        """Our hits, merged with those of the bot's remote-search sources, asked meanwhile. `dense`: the
        query's embedding when the caller already has it (chat compared it with the curated answers)."""
        remotes = self._live.remote(bot) if self._remote is not None and query.strip() else []
        chosen = [s for s in remotes if not source_ids or s.id in source_ids]
        pending = self._remote.start(query, chosen) if self._remote is not None and chosen else None
        hits = self._search_local(bot, query, source_ids=source_ids, settings=settings, dense=dense)
        return pending.merge(hits) if pending is not None else hits

    def _search_local(
        self,
        bot: BotProfile,
        query: str,
        *,
        source_ids: list[str] | None,
        settings: RetrievalSettings | None,
        dense: list[float] | None = None,
    ) -> list[VectorHit]:
        tags = self.live_tags(bot, source_ids)
        if not tags or not query.strip():
            return []
        chosen = settings or (
            replace(self.settings, mode=bot.retrieval_mode) if bot.retrieval_mode else self.settings
        )
        if chosen.mode == "sparse":
            dense = []
        elif dense is None:
            dense = self._embedder_for(bot).embed([query])[0]
        request = VectorQuery(
            model=bot.embedding_model,
            tenant_id=bot.tenant_id,
            bot_id=bot.id,
            live_tags=tags,
            dense=dense,
            sparse=query_vector(query),
            limit=Reranking.candidates(bot) if self._rerank else bot.top_k,
            mode=chosen.mode,
            fusion=chosen.fusion,
        )
        if chosen.mode == "hybrid" and chosen.fusion == "adaptive":
            hits = self._fused(request)
        else:
            hits = self._vectors.search(request)
        hits = self._rerank.apply(bot, query, hits) if self._rerank else hits
        if bot.score_threshold is not None:
            hits = [h for h in hits if h.score >= bot.score_threshold]
        return hits

    def _fused(self, request: VectorQuery) -> list[VectorHit]:
        """Score-aware fusion (services/fusion.py): each retriever's candidates, then one ranking."""
        deep = max(fusion.DEPTH, request.limit)
        dense = self._vectors.search(replace(request, mode="dense", limit=deep))
        sparse = (
            self._vectors.search(replace(request, mode="sparse", limit=deep))
            if request.sparse.indices
            else []
        )
        by_id = {h.id: h for h in (*sparse, *dense)}
        return [
            VectorHit(id=f.id, score=f.score, payload=by_id[f.id].payload)
            for f in fusion.adaptive(dense, sparse)[: request.limit]
        ]
