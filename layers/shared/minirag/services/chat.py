"""A RAG chat turn: store the question, retrieve, prompt the model, stream, store the answer, account usage."""

import logging
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import replace
from functools import partial

from minirag.domain.chat import (
    Chat,
    ChatEvent,
    Citation,
    DeltaEvent,
    DoneEvent,
    ErrorEvent,
    Message,
    SourcesEvent,
    Usage,
)
from minirag.domain.errors import (
    MiniRAGError,
    ModelConfigurationError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
)
from minirag.domain.gaps import CURATED_SOURCE_NAME
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.models import Principal
from minirag.domain.models_io import ModelChunk
from minirag.domain.prompt import Turn, standalone_query
from minirag.domain.vectors import VectorHit
from minirag.ports import BotRepository, ChatModel, ChatRepository, Clock
from minirag.security.crypto import SecretBox
from minirag.services.chat_prompt import citations, model_request, title
from minirag.services.chat_reads import ChatReader
from minirag.services.chat_turn import PreparedTurn, Streamed, answer_message
from minirag.services.curated import CuratedMatch, CuratedService
from minirag.services.gaps import GapService
from minirag.services.retrieval import Retriever

__all__ = ["ChatService", "PreparedTurn"]  # routes import the turn's record from here

log = logging.getLogger("minirag.chat")
HISTORY_MESSAGES = 12


class ChatService(ChatReader):
    """The turn; the reads it inherits are the same rules the turn applies to an existing chat."""

    def __init__(
        self,
        *,
        bots: BotRepository,
        chats: ChatRepository,
        retriever: Retriever,
        model: ChatModel,
        credentials: Callable[[BotProfile], Credentials],
        cost: Callable[[str, int, int], float],
        clock: Clock,
        cursors: SecretBox,
        model_timeout_s: float = 60.0,
        on_message: Callable[[Chat, Message], object] | None = None,
        count_feedback: Callable[..., object] | None = None,
        rewrite_followups: bool = True,
        executor: Executor | None = None,
        curated: CuratedService | None = None,
        gaps: GapService | None = None,
    ) -> None:
        super().__init__(chats=chats, cursors=cursors, count_feedback=count_feedback)
        self._bots = bots
        self._retriever = retriever
        self._model = model
        self._credentials = credentials
        self._cost = cost
        self._clock = clock
        self._on_message = on_message
        self._rewrite_followups = rewrite_followups
        self._model_timeout_s = model_timeout_s
        self._executor = executor
        self._curated = curated
        self._gaps = gaps

    def prepare(
        self,
        principal: Principal,
        *,
        bot_id: str,
        text: str,
        chat_id: str | None,
        source_ids: list[str] | None = None,
        origin: str = "api",
        history: list[Turn] | None = None,
    ) -> PreparedTurn:
        """Everything before the model: the question is stored first, so a failure later loses nothing.

        With an executor, retrieval (embedding, vector search) runs while the question is written;
        the model is only called once both are done."""
        bot = self._bot(principal, bot_id)
        credentials = self._credentials(bot)
        self._model.check(model=bot.model, api_key=credentials.api_key, api_base=credentials.api_base)
        chat, stored, is_new = self._chat(principal, bot, chat_id, text, origin)
        history = stored if history is None else history
        question = Message(
            id=new_id(), chat_id=chat.id, role="user", content=text, created_at=self._clock.now()
        )
        query = standalone_query(text, history) if self._rewrite_followups else text
        search = partial(self._lookup, bot, query, source_ids)
        pending = self._executor.submit(search) if self._executor is not None else None
        self._ask(principal, bot, chat, question, is_new=is_new)
        curated, hits, vector = pending.result() if pending is not None else search()
        cited, blocks = ([curated_citation(curated)], []) if curated else citations(hits)
        request = model_request(
            bot,
            credentials,
            blocks=blocks,
            history=history,
            question=text,
            timeout_s=self._model_timeout_s,
        )
        return PreparedTurn(
            chat=chat,
            bot=bot,
            question=question,
            citations=cited,
            request=request,
            query=query,
            curated=curated,
            query_vector=vector,
        )

    def _lookup(
        self, bot: BotProfile, query: str, source_ids: list[str] | None
    ) -> tuple[CuratedMatch | None, list[VectorHit], list[float] | None]:
        """A curated answer close enough to the question, or else the passages retrieved for it; and the
        question's embedding if one was made for the comparison (retrieval and gap grouping reuse it)."""
        vector = None
        if self._curated is not None and not source_ids:
            match, vector = self._curated.match(bot, query)
            if match is not None:
                return match, [], vector
        return None, self._retriever.search(bot, query, source_ids=source_ids, dense=vector), vector

    def model_problem(self, principal: Principal, bot_id: str) -> str | None:
        """Why a chat with this bot would be refused as misconfigured (its model's provider has no key in
        the bot or the server's environment, say), or None; asked without storing anything."""
        bot = self._bot(principal, bot_id)
        credentials = self._credentials(bot)
        try:
            self._model.check(model=bot.model, api_key=credentials.api_key, api_base=credentials.api_base)
        except ModelConfigurationError as exc:
            return exc.detail
        return None

    def _bot(self, principal: Principal, bot_id: str) -> BotProfile:
        if principal.kind in ("widget", "agent") and principal.scopes.get("bot_id") != bot_id:
            raise PermissionDeniedError(f"this {principal.kind} key is for another bot")
        bot = self._bots.get(tenant_id=principal.tenant_id, bot_id=bot_id)
        if bot is None or not bot.is_active:
            raise NotFoundError("bot profile not found")
        return bot

    def _chat(
        self, principal: Principal, bot: BotProfile, chat_id: str | None, text: str, origin: str
    ) -> tuple[Chat, list[Turn], bool]:
        """The chat (a new one is not written yet: its first message goes with it) and its history."""
        if chat_id is None:
            now = self._clock.now()
            chat = Chat(
                id=new_id(),
                tenant_id=principal.tenant_id,
                bot_profile_id=bot.id,
                title=title(text),
                created_at=now,
                updated_at=now,
                origin=origin,
            )
            return chat, [], True
        found = self.get(principal, chat_id)
        if found.bot_profile_id != bot.id:
            raise NotFoundError("chat not found")
        recent = self._chats.messages(tenant_id=principal.tenant_id, chat_id=chat_id, newest=HISTORY_MESSAGES)
        return found, [Turn(m.role, m.content) for m in recent if m.content and not m.error], False

    def _ask(
        self, principal: Principal, bot: BotProfile, chat: Chat, question: Message, *, is_new: bool
    ) -> None:
        if is_new:
            self._chats.create(chat=chat, first=question)
        else:
            self._chats.add_message(tenant_id=principal.tenant_id, message=question, bot_id=bot.id)

    def run(self, turn: PreparedTurn, *, stream: bool = True) -> Iterator[ChatEvent]:
        """sources -> delta* -> done, or error: the partial answer stored and flagged, or the reason it
        could not be stored. Once a delta is out the response has started, so whatever fails after it
        (the model, or the store after the model) ends the stream with an error event, never a cut.

        `stream=False`: the caller waits for the done event, so the model is asked for its whole answer
        at once (no per-chunk work); the events are the same, with fewer deltas."""
        yield SourcesEvent(turn.citations)
        got = Streamed()
        request = turn.request if stream else replace(turn.request, stream=False)
        try:
            for chunk in self._model.stream(request) if turn.curated is None else _pieces(turn):
                if chunk.text:
                    got.first_token = got.first_token or time.perf_counter()
                    got.parts.append(chunk.text)
                    yield DeltaEvent(chunk.text)
                got.prompt_tokens = chunk.prompt_tokens or got.prompt_tokens
                got.completion_tokens = chunk.completion_tokens or got.completion_tokens
        except ModelError as exc:
            yield self._failed(turn, got, exc.detail)
            return
        except Exception:
            log.exception("the model stream failed", extra={"chat_id": turn.chat.id})
            yield self._failed(turn, got, "the model failed while answering")
            return
        try:
            answer = self._store(turn, got, error=None)
        except Exception as exc:
            yield self._unstored(turn, got, "the answer could not be stored", exc)
            return
        usage = Usage(
            answer.model or turn.bot.model, answer.prompt_tokens, answer.completion_tokens, answer.cost_usd
        )
        yield DoneEvent(chat_id=turn.chat.id, message=answer, usage=usage)

    def _failed(self, turn: PreparedTurn, got: Streamed, detail: str) -> ErrorEvent:
        try:
            answer = self._store(turn, got, error=detail)
        except Exception as exc:
            return self._unstored(turn, got, f"{detail}; the answer could not be stored either", exc)
        return ErrorEvent(detail=detail, message_id=answer.id, chat_id=turn.chat.id, partial=bool(got.parts))

    def _unstored(self, turn: PreparedTurn, got: Streamed, detail: str, exc: Exception) -> ErrorEvent:
        """The question is stored; the answer is not (message_id None), and the event says why."""
        if isinstance(exc, MiniRAGError):
            detail = f"{detail}: {exc.detail}"
        else:
            log.exception("storing the answer failed", extra={"chat_id": turn.chat.id})
        return ErrorEvent(detail=detail, message_id=None, chat_id=turn.chat.id, partial=bool(got.parts))

    def _store(self, turn: PreparedTurn, got: Streamed, error: str | None) -> Message:
        answer = answer_message(turn, got, error=error, clock=self._clock, cost=self._cost)
        if self._gaps is not None and error is None:
            self._gaps.assess(answer, curated=turn.curated is not None)
        self._chats.add_message(tenant_id=turn.chat.tenant_id, message=answer, bot_id=turn.bot.id)
        self._announce(turn.chat, answer)
        if self._gaps is not None and error is None:
            self._count_gap(turn, answer)
        return answer

    def _count_gap(self, turn: PreparedTurn, answer: Message) -> None:
        """After the answer is stored: its day counts and, for a badly answered question, its gap group."""
        assert self._gaps is not None
        reasons = self._gaps.reasons(answer)
        vector = turn.query_vector
        gap_id = self._gaps.record(
            turn.bot,
            turn.chat,
            question=turn.query or turn.question.content,
            answer=answer,
            vector=vector,
            reasons=reasons,
        )
        if gap_id is not None:
            answer.gap_id = gap_id
            try:
                self._chats.save_message(tenant_id=turn.chat.tenant_id, message=answer)
            except MiniRAGError:
                log.warning("the answer's gap id was not stored", extra={"message_id": answer.id})

    def _rated_negative(self, principal: Principal, chat_id: str, message: Message) -> None:
        """The rating is stored; a gap that cannot be queued must not fail it."""
        if self._gaps is None or message.gap_id is not None or message.curated_answer_id is not None:
            return
        try:
            self._gaps.rated_negative(principal.tenant_id, chat_id, message.id)
        except MiniRAGError:
            log.warning("the rated turn was not queued for the gaps", extra={"message_id": message.id})

    def _announce(self, chat: Chat, answer: Message) -> None:
        """A webhook that cannot be queued must not cost the user the answer already stored."""
        if self._on_message is not None:
            try:
                self._on_message(chat, answer)
            except MiniRAGError:
                log.warning("chat.message event not published", extra={"message_id": answer.id})


def curated_citation(match: CuratedMatch) -> Citation:
    curated = match.curated
    return Citation(
        n=1,
        chunk_id=f"curated:{curated.id}",
        source_id=curated.id,
        source_name=CURATED_SOURCE_NAME,
        content=curated.question[:300],
        score=match.score,
        curated=True,
    )


def _pieces(turn: PreparedTurn) -> Iterator[ModelChunk]:
    """A curated answer, streamed word by word like a model's."""
    assert turn.curated is not None
    for piece in re.findall(r"\S+\s*|\s+", turn.curated.curated.answer):
        yield ModelChunk(text=piece)
