"""The OpenAI Chat Completions protocol in front of a bot, so any OpenAI client can talk to it."""

import json
import time
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.routers.chat import SSE_HEADERS
from minirag.domain.chat import ChatEvent, DeltaEvent, DoneEvent, ErrorEvent
from minirag.domain.errors import ModelError, UnprocessableError
from minirag.domain.prompt import Turn

router = APIRouter(prefix="/v1/openai/{bot_id}", tags=["openai-compatible"])


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send many knobs we do not use
    model: str | None = None
    messages: Annotated[list[OpenAIMessage], Field(min_length=1, max_length=200)]
    stream: bool = False
    stream_options: StreamOptions | None = None


def _text(message: OpenAIMessage) -> str:
    if isinstance(message.content, list):
        return "".join(str(part.get("text", "")) for part in message.content if part.get("type") == "text")
    return message.content or ""


def _split(messages: list[OpenAIMessage]) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user and assistant turns are its history."""
    turns = [Turn(m.role, _text(m)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        raise UnprocessableError("the last message must be a non-empty user message")
    if len(turns[-1].content) > 32_000:
        raise UnprocessableError("the user message is longer than 32000 characters")
    return turns[-1].content, turns[:-1]


@router.get("/models")
def models(bot_id: str, services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    bot = services.bots.get(principal, bot_id, active_only=True)
    return {
        "object": "list",
        "data": [
            {
                "id": bot.id,
                "object": "model",
                "created": int(bot.created_at.timestamp()),
                "owned_by": "minirag",
                "root": bot.model,
            }
        ],
    }


@router.post("/chat/completions")
async def completions(
    bot_id: str, body: CompletionRequest, services: ServicesDep, principal: PrincipalDep
) -> Any:
    question, history = _split(body.messages)
    turn = await run_in_threadpool(
        services.chat.prepare,
        principal,
        bot_id=bot_id,
        text=question,
        chat_id=None,
        origin="openai",
        history=history,
    )
    base = {"id": f"chatcmpl-{turn.question.id}", "created": int(time.time()), "model": bot_id}
    if body.stream:
        usage = bool(body.stream_options and body.stream_options.include_usage)
        chunks = _stream(services.chat.run(turn), base, usage)
        return StreamingResponse(chunks, media_type="text/event-stream", headers=SSE_HEADERS)
    return await run_in_threadpool(_complete, services.chat.run(turn, stream=False), base)


def _complete(events: Iterator[ChatEvent], base: dict[str, Any]) -> dict[str, Any]:
    for event in events:
        if isinstance(event, ErrorEvent):
            raise ModelError(event.detail)
        if isinstance(event, DoneEvent):
            m, u = event.message, event.usage
            return {
                **base,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": m.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "total_tokens": u.total_tokens,
                },
                "minirag": {
                    "chat_id": event.chat_id,
                    "message_id": m.id,
                    "sources": [c.as_dict() for c in m.sources],
                },
            }
    raise ModelError("the chat turn ended without an answer")


def _stream(events: Iterator[ChatEvent], base: dict[str, Any], include_usage: bool) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            **base,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, separators=(',', ':'))}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for event in events:
        if isinstance(event, DeltaEvent):
            yield chunk({"content": event.content})
        elif isinstance(event, ErrorEvent):
            yield f"data: {json.dumps({'error': {'message': event.detail, 'type': 'provider_error'}})}\n\n"
            return
        elif isinstance(event, DoneEvent):
            sources = [c.as_dict() for c in event.message.sources]
            yield chunk({}, "stop", minirag={"chat_id": event.chat_id, "sources": sources})
            if include_usage:
                u = event.usage
                usage = {
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "total_tokens": u.total_tokens,
                }
                yield f"data: {json.dumps({**base, 'object': 'chat.completion.chunk', 'choices': [], 'usage': usage})}\n\n"
    yield "data: [DONE]\n\n"
