"""Server-sent events for chat turns, with keep-alive comments while the model is silent."""

import json
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from minirag.domain.chat import ChatEvent, DeltaEvent, DoneEvent, ErrorEvent, KeepAlive, Message, SourcesEvent

_END = object()


def frame(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def encode(event: ChatEvent) -> str:
    match event:
        case SourcesEvent(sources=sources):
            return frame("sources", {"sources": [c.as_dict() for c in sources]})
        case DeltaEvent(content=content):
            return frame("delta", {"content": content})
        case DoneEvent(chat_id=chat_id, message=message, usage=usage):
            return frame("done", {"chat_id": chat_id, "message_id": message.id, "usage": usage.as_dict()})
        case ErrorEvent(detail=detail, message_id=message_id, chat_id=chat_id):
            return frame("error", {"detail": detail, "message_id": message_id, "chat_id": chat_id})
        case _:
            return ": keep-alive\n\n"


def with_keepalive(events: Iterable[ChatEvent], interval_s: float) -> Iterator[ChatEvent]:
    """Runs the turn in a thread and emits KeepAlive whenever `interval_s` passes without an event, so
    proxies and API Gateway's idle timeout never see a silent connection while the model thinks."""
    pipe: queue.Queue[Any] = queue.Queue(maxsize=256)

    def produce() -> None:
        try:
            for event in events:
                pipe.put(event)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            pipe.put(exc)
        finally:
            pipe.put(_END)

    threading.Thread(target=produce, name="chat-turn", daemon=True).start()
    while True:
        try:
            item = pipe.get(timeout=interval_s)
        except queue.Empty:
            yield KeepAlive()
            continue
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def message_public(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "chat_id": m.chat_id,
        "role": m.role,
        "content": m.content,
        "sources": [c.as_dict() for c in m.sources] if m.role == "assistant" else None,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "feedback": m.feedback,
        "error": m.error,
        "created_at": m.created_at.isoformat(),
    }
