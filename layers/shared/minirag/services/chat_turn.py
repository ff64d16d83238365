"""One turn's records: what was prepared before the model, what it streamed, the answer stored from both."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from minirag.domain.chat import Chat, Citation, Message
from minirag.domain.chunking import approx_tokens
from minirag.domain.gaps import CURATED_MODEL
from minirag.domain.ids import new_id
from minirag.domain.knowledge import BotProfile
from minirag.domain.models_io import ModelRequest
from minirag.ports import Clock
from minirag.services.curated import CuratedMatch


@dataclass
class PreparedTurn:
    chat: Chat
    bot: BotProfile
    question: Message
    citations: list[Citation]
    request: ModelRequest
    started: float = field(default_factory=time.perf_counter)
    query: str = ""  # what was searched: the question, or a follow-up rewritten to stand alone
    curated: CuratedMatch | None = None  # answered with an operator's curated answer, not the model
    query_vector: list[float] | None = None  # the query's embedding, when one was made before retrieval


@dataclass
class Streamed:
    """What the model sent so far: the answer is stored from it whether the stream ends or breaks."""

    parts: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token: float | None = None


def answer_message(
    turn: PreparedTurn,
    got: Streamed,
    *,
    error: str | None,
    clock: Clock,
    cost: Callable[[str, int, int], float],
) -> Message:
    """Providers that report no usage are counted approximately rather than as free; a call that failed
    before the provider sent anything is not counted at all (providers do not bill refused calls). A
    curated answer ran no model: no tokens, no cost, and a model name of its own, so usage counts it apart."""
    now = time.perf_counter()
    first_token = got.first_token
    answered = bool(got.parts or got.prompt_tokens or got.completion_tokens)
    curated_id = turn.curated.curated.id if turn.curated is not None else None
    model = CURATED_MODEL if curated_id is not None else turn.bot.model
    if curated_id is not None or (error is not None and not answered):
        prompt_tokens = completion_tokens = 0
    else:
        prompt_tokens = got.prompt_tokens or sum(approx_tokens(m["content"]) for m in turn.request.messages)
        completion_tokens = got.completion_tokens or len(got.parts)
    return Message(
        id=new_id(),
        chat_id=turn.chat.id,
        role="assistant",
        content="".join(got.parts),
        created_at=clock.now(),
        sources=turn.citations,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        error=error,
        model=model,
        cost_usd=0.0 if curated_id is not None else cost(model, prompt_tokens, completion_tokens),
        latency_ms=int((now - turn.started) * 1000),
        time_to_first_token_ms=int((first_token - turn.started) * 1000) if first_token else None,
        stream_ms=int((now - first_token) * 1000) if first_token else None,
        curated_answer_id=curated_id,
    )
