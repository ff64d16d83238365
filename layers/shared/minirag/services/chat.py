"""A RAG chat turn: store the question, retrieve, prompt the model, stream, store the answer, account usage."""

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
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
from minirag.domain.chunking import approx_tokens
from minirag.domain.errors import (
    MiniRAGError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableError,
)
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.domain.models import Principal
from minirag.domain.models_io import ModelRequest
from minirag.domain.prompt import ContextBlock, Turn, build_messages, standalone_query
from minirag.domain.vectors import VectorHit
from minirag.ports import BotRepository, ChatModel, ChatRepository, Clock
from minirag.security.crypto import SecretBox
from minirag.services.retrieval import Retriever

log = logging.getLogger("minirag.chat")
SNIPPET_CHARS = 300
HISTORY_MESSAGES = 12
HISTORY_TOKEN_BUDGET = 2000


@dataclass
class PreparedTurn:
    chat: Chat
    bot: BotProfile
    question: Message
    citations: list[Citation]
    request: ModelRequest
    started: float = field(default_factory=time.perf_counter)


class ChatService:
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
    ) -> None:
        self._bots = bots
        self._chats = chats
        self._retriever = retriever
        self._model = model
        self._credentials = credentials
        self._cost = cost
        self._clock = clock
        self._on_message = on_message
        self._cursors = cursors
        self._count_feedback = count_feedback
        self._rewrite_followups = rewrite_followups
        self._model_timeout_s = model_timeout_s
        self._executor = executor

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
        chat, stored, is_new = self._chat(principal, bot, chat_id, text, origin)
        history = stored if history is None else history
        question = Message(
            id=new_id(), chat_id=chat.id, role="user", content=text, created_at=self._clock.now()
        )
        query = standalone_query(text, history) if self._rewrite_followups else text
        search = partial(self._retriever.search, bot, query, source_ids=source_ids)
        pending = self._executor.submit(search) if self._executor is not None else None
        if is_new:
            self._chats.create(chat=chat, first=question)
        else:
            self._chats.add_message(tenant_id=principal.tenant_id, message=question, bot_id=bot.id)
        hits = pending.result() if pending is not None else search()
        citations, blocks = _citations(hits)
        creds = self._credentials(bot)
        messages = build_messages(
            system_prompt=bot.system_prompt,
            blocks=blocks,
            history=history,
            question=text,
            history_budget=HISTORY_TOKEN_BUDGET,
            count_tokens=approx_tokens,
        )
        request = ModelRequest(
            model=bot.model,
            messages=messages,
            temperature=bot.temperature,
            max_tokens=bot.max_tokens,
            api_key=creds.api_key,
            api_base=creds.api_base,
            timeout_s=self._model_timeout_s,
        )
        return PreparedTurn(chat=chat, bot=bot, question=question, citations=citations, request=request)

    def _bot(self, principal: Principal, bot_id: str) -> BotProfile:
        if principal.kind == "widget" and principal.scopes.get("bot_id") != bot_id:
            raise PermissionDeniedError("this widget key is for another bot")
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
                title=_title(text),
                created_at=now,
                updated_at=now,
                origin=origin,
            )
            return chat, [], True
        found = self._chats.get(tenant_id=principal.tenant_id, chat_id=chat_id)
        if found is None or found.bot_profile_id != bot.id or not _may_use(principal, found):
            raise NotFoundError("chat not found")
        recent = self._chats.messages(tenant_id=principal.tenant_id, chat_id=chat_id, newest=HISTORY_MESSAGES)
        return found, [Turn(m.role, m.content) for m in recent if m.content and not m.error], False

    def run(self, turn: PreparedTurn) -> Iterator[ChatEvent]:
        """sources -> delta* -> done, or error with the partial answer stored and flagged."""
        yield SourcesEvent(turn.citations)
        parts: list[str] = []
        prompt_tokens = completion_tokens = 0
        first_token: float | None = None
        try:
            for chunk in self._model.stream(turn.request):
                if chunk.text:
                    first_token = first_token or time.perf_counter()
                    parts.append(chunk.text)
                    yield DeltaEvent(chunk.text)
                prompt_tokens = chunk.prompt_tokens or prompt_tokens
                completion_tokens = chunk.completion_tokens or completion_tokens
        except ModelError as exc:
            answer = self._store(turn, parts, prompt_tokens, completion_tokens, first_token, error=exc.detail)
            yield ErrorEvent(detail=exc.detail, message_id=answer.id, chat_id=turn.chat.id)
            return
        answer = self._store(turn, parts, prompt_tokens, completion_tokens, first_token, error=None)
        usage = Usage(turn.bot.model, answer.prompt_tokens, answer.completion_tokens, answer.cost_usd)
        yield DoneEvent(chat_id=turn.chat.id, message=answer, usage=usage)

    def _store(
        self,
        turn: PreparedTurn,
        parts: list[str],
        prompt_tokens: int,
        completion_tokens: int,
        first_token: float | None,
        error: str | None,
    ) -> Message:
        now = time.perf_counter()
        content = "".join(parts)
        prompt_tokens = prompt_tokens or sum(approx_tokens(m["content"]) for m in turn.request.messages)
        completion_tokens = completion_tokens or len(parts)
        answer = Message(
            id=new_id(),
            chat_id=turn.chat.id,
            role="assistant",
            content=content,
            created_at=self._clock.now(),
            sources=turn.citations,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            error=error,
            model=turn.bot.model,
            cost_usd=self._cost(turn.bot.model, prompt_tokens, completion_tokens),
            latency_ms=int((now - turn.started) * 1000),
            time_to_first_token_ms=int((first_token - turn.started) * 1000) if first_token else None,
            stream_ms=int((now - first_token) * 1000) if first_token else None,
        )
        self._chats.add_message(tenant_id=turn.chat.tenant_id, message=answer, bot_id=turn.bot.id)
        if self._on_message is not None:
            try:
                self._on_message(turn.chat, answer)
            except MiniRAGError:
                log.warning("chat.message event not published", extra={"message_id": answer.id})
        return answer

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, principal: Principal, chat_id: str) -> Chat:
        chat = self._chats.get(tenant_id=principal.tenant_id, chat_id=chat_id)
        if chat is None or not _may_use(principal, chat):
            raise NotFoundError("chat not found")
        return chat

    def list_chats(
        self, principal: Principal, *, bot_id: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Chat], str | None]:
        """Newest first. The cursor is the storage key, encrypted and bound to the tenant."""
        start = self._cursors.decode_cursor(principal.tenant_id, cursor) if cursor else None
        page = self._chats.list_page(tenant_id=principal.tenant_id, bot_id=bot_id, limit=limit, start=start)
        chats = [c for c in page.items if _may_use(principal, c)]
        next_cursor = (
            self._cursors.encode_cursor(principal.tenant_id, page.last_key) if page.last_key else None
        )
        return chats, next_cursor

    def feedback(
        self, principal: Principal, chat_id: str, message_id: str, feedback: str | None, comment: str | None
    ) -> Message:
        self.get(principal, chat_id)
        message = self._chats.get_message(
            tenant_id=principal.tenant_id, chat_id=chat_id, message_id=message_id
        )
        if message is None:
            raise NotFoundError("message not found")
        _check_feedback(message, feedback)
        before = message.feedback
        message.feedback = feedback
        message.feedback_comment = comment if feedback is not None else None
        self._chats.save_message(tenant_id=principal.tenant_id, message=message)
        if self._count_feedback is not None and before != feedback:
            chat = self.get(principal, chat_id)
            self._count_feedback(
                tenant_id=principal.tenant_id,
                day=message.created_at.date().isoformat(),
                bot_id=chat.bot_profile_id,
                positive=_delta(before, feedback, "positive"),
                negative=_delta(before, feedback, "negative"),
            )
        return message

    def messages(self, principal: Principal, chat_id: str) -> list[Message]:
        self.get(principal, chat_id)
        return self._chats.messages(tenant_id=principal.tenant_id, chat_id=chat_id)


def _delta(before: str | None, after: str | None, value: str) -> int:
    return (after == value) - (before == value)


def _check_feedback(message: Message, feedback: str | None) -> None:
    if message.role != "assistant":
        raise UnprocessableError("feedback is for assistant messages only")
    if feedback not in (None, "positive", "negative"):
        raise UnprocessableError("feedback is positive, negative or null")


def _may_use(principal: Principal, chat: Chat) -> bool:
    """A widget key sees only the chats it started; tenant credentials see all of the tenant's chats."""
    return principal.kind != "widget" or chat.origin == f"widget:{principal.token_id}"


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:77] + "..."


def _citations(hits: list[VectorHit]) -> tuple[list[Citation], list[ContextBlock]]:
    citations, blocks = [], []
    for n, hit in enumerate(hits, start=1):
        payload = hit.payload
        text = str(payload.get("text", ""))
        name = str(payload.get("source_name", ""))
        citations.append(
            Citation(
                n=n,
                chunk_id=hit.id,
                source_id=str(payload.get("source_id", "")),
                source_name=name,
                content=_snippet(text),
                score=round(float(hit.score), 6),
            )
        )
        blocks.append(
            ContextBlock(
                n=n, source_name=name, heading_path=tuple(payload.get("heading_path") or ()), text=text
            )
        )
    return citations, blocks


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 3].rstrip() + "..."
