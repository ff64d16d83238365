"""A bot's knowledge for agents: the passages chat would cite, the bot's sources, a cited answer.

The retrieve route and the MCP tools call this; it runs the chat's own retrieval (Retriever.search: fusion,
reranking, live-version filters, remote-search sources), so an agent sees what chat would have cited."""

from collections.abc import Callable
from dataclasses import dataclass, replace

from minirag.domain.chat import DoneEvent, ErrorEvent
from minirag.domain.chunking import approx_tokens
from minirag.domain.errors import ModelError, NotFoundError, PermissionDeniedError
from minirag.domain.knowledge import BotProfile, Source
from minirag.domain.models import Principal
from minirag.ports import BotRepository, Clock
from minirag.services.chat import ChatService
from minirag.services.retrieval import Retriever
from minirag.services.source_reads import SourceReader

RETRIEVAL_MODES = ("hybrid", "dense", "sparse")


@dataclass(frozen=True)
class Passage:
    n: int
    chunk_id: str
    source_id: str
    source_name: str
    heading_path: list[str]
    text: str
    score: float


@dataclass(frozen=True)
class Answer:
    chat_id: str
    message_id: str
    text: str
    passages: list[dict[str, object]]  # the chat's citations, as the chat route shows them


class KnowledgeService:
    def __init__(
        self,
        *,
        bots: BotRepository,
        sources: SourceReader,
        retriever: Retriever,
        chat: ChatService,
        clock: Clock,
        count_retrieval: Callable[..., object],
        count_key_use: Callable[[Principal], object],
    ) -> None:
        self._bots = bots
        self._sources = sources
        self._retriever = retriever
        self._chat = chat
        self._clock = clock
        self._count_retrieval = count_retrieval
        self._count_key_use = count_key_use

    def bot(self, principal: Principal, bot_id: str) -> BotProfile:
        """The caller's active bot; an agent key's own bot only (403 for another, as a widget key's)."""
        if principal.kind in ("widget", "agent") and principal.scopes.get("bot_id") != bot_id:
            raise PermissionDeniedError(f"this {principal.kind} key is for another bot")
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None or not bot.is_active:
            raise NotFoundError("bot profile not found")
        return bot

    def retrieve(
        self,
        principal: Principal,
        bot_id: str,
        query: str,
        *,
        top_k: int | None = None,
        source_ids: list[str] | None = None,
        retrieval_mode: str | None = None,
    ) -> list[Passage]:
        """Ranked passages, numbered as chat numbers its citations; counted as one retrieval."""
        bot = self.bot(principal, bot_id)
        self._count_key_use(principal)
        asked = replace(bot, top_k=top_k or bot.top_k, retrieval_mode=retrieval_mode or bot.retrieval_mode)
        hits = self._retriever.search(asked, query, source_ids=source_ids)
        mode = asked.retrieval_mode or self._retriever.settings.mode
        embedded = approx_tokens(query) if mode != "sparse" and query.strip() else 0
        day = self._clock.now().date().isoformat()
        self._count_retrieval(tenant_id=bot.tenant_id, day=day, bot_id=bot.id, embedding_tokens=embedded)
        return [
            Passage(
                n=n,
                chunk_id=hit.id,
                source_id=str(hit.payload.get("source_id", "")),
                source_name=str(hit.payload.get("source_name", "")),
                heading_path=[str(h) for h in hit.payload.get("heading_path") or ()],
                text=str(hit.payload.get("text", "")),
                score=round(float(hit.score), 6),
            )
            for n, hit in enumerate(hits, start=1)
        ]

    def sources(self, principal: Principal, bot_id: str) -> list[Source]:
        """The bot's active sources, parents with their children's totals (as GET /v1/sources lists them)."""
        self.bot(principal, bot_id)
        return self._sources.list_sources(principal, bot_profile_id=bot_id)

    def source(self, principal: Principal, bot_id: str, source_id: str) -> Source:
        found = next((s for s in self.sources(principal, bot_id) if s.id == source_id), None)
        if found is None:
            raise NotFoundError("source not found")
        return found

    def ask(self, principal: Principal, bot_id: str, question: str, chat_id: str | None = None) -> Answer:
        """A whole chat turn, stored like any other (an agent key's chats are its own to continue)."""
        self.bot(principal, bot_id)
        self._count_key_use(principal)
        origin = f"agent:{principal.token_id}" if principal.kind == "agent" else "mcp"
        turn = self._chat.prepare(principal, bot_id=bot_id, text=question, chat_id=chat_id, origin=origin)
        for event in self._chat.run(turn, stream=False):
            if isinstance(event, ErrorEvent):
                raise ModelError(f"{event.detail} (chat {event.chat_id})")
            if isinstance(event, DoneEvent):
                cited = [c.as_dict() for c in event.message.sources]
                return Answer(event.chat_id, event.message.id, event.message.content, cited)
        raise ModelError("the chat turn ended without an answer")
