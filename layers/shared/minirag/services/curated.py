"""Curated answers: an operator's answer to a question (and its variants), used instead of the model when a
chat question is close enough, and indexed as knowledge so that questions near it can cite it."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from minirag.domain.errors import NotFoundError, UnprocessableError
from minirag.domain.gaps import (
    CURATED_SOURCE_NAME,
    MAX_CURATED_PER_BOT,
    CuratedAnswer,
    compact,
    nearest,
)
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile
from minirag.domain.lexical import document_vector
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.domain.vectors import VectorPoint
from minirag.ports import BotRepository, Clock, Embedder, VectorStore
from minirag.services.guards import require_role


class CuratedRepository(Protocol):
    def save(self, *, curated: CuratedAnswer, create: bool) -> None: ...

    def delete(self, *, tenant_id: str, bot_id: str, curated_id: str) -> None: ...

    def get(self, *, tenant_id: str, bot_id: str, curated_id: str) -> CuratedAnswer | None: ...

    def list_for_bot(self, *, tenant_id: str, bot_id: str) -> list[CuratedAnswer]: ...


@dataclass(frozen=True)
class CuratedMatch:
    curated: CuratedAnswer
    score: float
    vector: list[float]  # the question's embedding, reused to group the turn if it goes badly


def live_tag(curated_id: str) -> str:
    return f"curated:{curated_id}"


class CuratedService:
    def __init__(
        self,
        *,
        curated: CuratedRepository,
        bots: BotRepository,
        vectors: VectorStore,
        embedder_for: Callable[[BotProfile], Embedder],
        clock: Clock,
        point_id: Callable[..., str],
        default_threshold: float,
        on_gap_answered: Callable[..., object] | None = None,
        max_age_s: float = 60.0,
    ) -> None:
        self._curated = curated
        self._bots = bots
        self._vectors = vectors
        self._embedder_for = embedder_for
        self._clock = clock
        self._point_id = point_id
        self._default_threshold = default_threshold
        self._on_gap_answered = on_gap_answered
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._cached: OrderedDict[tuple[str, str], tuple[str, float, list[CuratedAnswer]]] = OrderedDict()

    # --- CRUD ----------------------------------------------------------------------------------------
    def list_answers(self, principal: Principal, bot_id: str) -> list[CuratedAnswer]:
        bot = self._bot(principal, bot_id)
        found = self._curated.list_for_bot(tenant_id=principal.tenant_id, bot_id=bot.id)
        return sorted(found, key=lambda c: c.created_at, reverse=True)

    def get(self, principal: Principal, bot_id: str, curated_id: str) -> CuratedAnswer:
        bot = self._bot(principal, bot_id)
        found = self._curated.get(tenant_id=principal.tenant_id, bot_id=bot.id, curated_id=curated_id)
        if found is None:
            raise NotFoundError("curated answer not found")
        return found

    def create(self, principal: Principal, bot_id: str, fields: dict[str, Any]) -> CuratedAnswer:
        require_role(principal, Role.ADMIN)
        bot = self._bot(principal, bot_id)
        if len(self._curated.list_for_bot(tenant_id=bot.tenant_id, bot_id=bot.id)) >= MAX_CURATED_PER_BOT:
            raise UnprocessableError(f"a bot has at most {MAX_CURATED_PER_BOT} curated answers")
        now = self._clock.now()
        made = CuratedAnswer(
            id=new_id(),
            tenant_id=principal.tenant_id,
            bot_id=bot.id,
            question=fields["question"],
            answer=fields["answer"],
            variants=_variants(fields.get("variants"), fields["question"]),
            gap_id=fields.get("gap_id"),
            created_at=now,
            updated_at=now,
        )
        if made.gap_id is not None and self._on_gap_answered is not None:
            self._on_gap_answered(bot=bot, gap_id=made.gap_id, curated_id=None, check_only=True)
        made = self._embedded(bot, made)
        self._index(bot, made)
        self._curated.save(curated=made, create=True)
        if made.gap_id is not None and self._on_gap_answered is not None:
            self._on_gap_answered(bot=bot, gap_id=made.gap_id, curated_id=made.id)
        return made

    def update(
        self, principal: Principal, bot_id: str, curated_id: str, fields: dict[str, Any]
    ) -> CuratedAnswer:
        require_role(principal, Role.ADMIN)
        before = self.get(principal, bot_id, curated_id)
        question = fields.get("question") or before.question
        variants = fields["variants"] if fields.get("variants") is not None else before.variants
        changed = replace(
            before,
            question=question,
            answer=fields.get("answer") or before.answer,
            variants=_variants(variants, question),
            updated_at=self._clock.now(),
        )
        bot = self._bot(principal, bot_id)
        if changed.questions != before.questions or changed.embedding_model != bot.embedding_model:
            changed = self._embedded(bot, changed)
        self._index(bot, changed)
        self._curated.save(curated=changed, create=False)
        return changed

    def delete(self, principal: Principal, bot_id: str, curated_id: str) -> None:
        require_role(principal, Role.ADMIN)
        found = self.get(principal, bot_id, curated_id)
        self._curated.delete(tenant_id=principal.tenant_id, bot_id=found.bot_id, curated_id=found.id)
        self._vectors.delete_source(tenant_id=principal.tenant_id, source_id=found.id)
        if found.gap_id is not None and self._on_gap_answered is not None:
            bot = self._bot(principal, bot_id)
            self._on_gap_answered(bot=bot, gap_id=found.gap_id, curated_id=None)

    def reindex(self, tenant_id: str, bot_id: str) -> None:
        """The worker's part of a bot's reindex (a new embedding model, or the bot reactivated after its
        vectors were purged): each curated answer embedded and indexed again with the bot's model."""
        bot = self._bots.get(tenant_id=tenant_id, bot_id=bot_id)
        if bot is None or not bot.is_active:
            return
        for curated in self._curated.list_for_bot(tenant_id=tenant_id, bot_id=bot_id):
            again = self._embedded(bot, curated)
            self._index(bot, again)
            self._curated.save(curated=again, create=False)

    # --- chat time -----------------------------------------------------------------------------------
    def live(self, bot: BotProfile) -> list[tuple[str, str]]:
        """(curated id, live tag) pairs: retrieval searches these beside the bot's sources."""
        return [(c.id, live_tag(c.id)) for c in self._of(bot)]

    def match(self, bot: BotProfile, question: str) -> tuple[CuratedMatch | None, list[float] | None]:
        """The curated answer whose question or variant is most similar to this question, if it reaches the
        bot's threshold, and the question's embedding (retrieval reuses it). Costs no embedding for a bot
        without curated answers."""
        answers = self._of(bot)
        if not answers or not question.strip():
            return None, None
        vector = self._embedder_for(bot).embed([question])[0]
        candidates = ((c, v) for c in answers for v in c.vectors)
        best, score = nearest(vector, candidates)
        threshold = bot.curated_threshold if bot.curated_threshold is not None else self._default_threshold
        if best is None or score < threshold:
            return None, vector
        return CuratedMatch(curated=best, score=round(score, 6), vector=vector), vector

    def _of(self, bot: BotProfile) -> list[CuratedAnswer]:
        """The bot's curated answers, cached per process under the bot's sources revision (every curated
        write sets a new one), embedded with the bot's current embedding model."""
        key = (bot.tenant_id, bot.id)
        with self._lock:
            hit = self._cached.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] == bot.sources_rev and now - hit[1] < self._max_age_s:
            return hit[2]
        found = self._curated.list_for_bot(tenant_id=bot.tenant_id, bot_id=bot.id)
        found = [c if c.embedding_model == bot.embedding_model else self._embedded(bot, c) for c in found]
        if bot.sources_rev is not None:
            with self._lock:
                self._cached[key] = (bot.sources_rev, now, found)
                self._cached.move_to_end(key)
                while len(self._cached) > 512:
                    self._cached.popitem(last=False)
        return found

    # --- helpers -------------------------------------------------------------------------------------
    def _bot(self, principal: Principal, bot_id: str) -> BotProfile:
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None:
            raise NotFoundError("bot profile not found")
        return bot

    def _embedded(self, bot: BotProfile, curated: CuratedAnswer) -> CuratedAnswer:
        vectors = self._embedder_for(bot).embed(curated.questions)
        return replace(curated, embedding_model=bot.embedding_model, vectors=[compact(v) for v in vectors])

    def _index(self, bot: BotProfile, curated: CuratedAnswer) -> None:
        """One point: the question and its answer, searchable like a passage of the bot's sources."""
        text = f"{curated.question}\n{curated.answer}"
        dense = self._embedder_for(bot).embed([text])[0]
        payload = {
            "tenant_id": curated.tenant_id,
            "bot_id": bot.id,
            "source_id": curated.id,
            "live": live_tag(curated.id),
            "source_name": CURATED_SOURCE_NAME,
            "title": curated.question,
            "heading_path": [curated.question],
            "text": curated.answer,
            "position": 0,
            "url": None,
            "curated": True,
        }
        point = VectorPoint(
            id=self._point_id(curated.tenant_id, "curated", curated.id),
            dense=dense,
            sparse=document_vector(text),
            payload=payload,
        )
        self._vectors.upsert(model=bot.embedding_model, points=[point])


def _variants(given: list[str] | None, question: str) -> list[str]:
    """Stripped, distinct, never the question itself."""
    seen = {question.strip().casefold()}
    out = []
    for variant in given or []:
        text = " ".join(variant.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out
