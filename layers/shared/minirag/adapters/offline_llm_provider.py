"""The offline answerer as a LiteLLM custom provider: ``litellm.completion(model="minirag/...")`` answers
from the context in this process. The chat service does not come this way (it calls `OfflineChatModel`);
this is for callers that go through LiteLLM, and the contract tests that hold the two paths to one answer."""

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm
from litellm.types.llms.openai import ChatCompletionUsageBlock
from litellm.types.utils import GenericStreamingChunk
from litellm.utils import custom_llm_setup

from minirag.adapters.offline_llm import OFFLINE_MODEL, PROVIDER, UsageBlock, reply


def _chunk(text: str, usage: UsageBlock | None = None) -> GenericStreamingChunk:
    return {
        "text": text,
        "tool_use": None,
        "is_finished": usage is not None,
        "finish_reason": "stop" if usage is not None else "",
        "usage": None if usage is None else ChatCompletionUsageBlock(**usage),
        "index": 0,
    }


class OfflineExtractiveLLM(litellm.CustomLLM):
    """The provider behind ``minirag/offline-extractive``; litellm passes many more keyword arguments
    (api keys, timeouts, clients) than an offline model needs, and they are ignored."""

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        answered = reply(messages)
        return litellm.ModelResponse(
            model=OFFLINE_MODEL,
            choices=[
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": answered.text},
                }
            ],
            usage=litellm.Usage(**answered.usage()),
        )

    def streaming(
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        answered = reply(messages)
        for piece in answered.pieces:
            yield _chunk(piece)
        yield _chunk("", answered.usage())

    async def acompletion(
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> litellm.ModelResponse:
        return self.completion(model, messages)

    # CustomLLM declares astreaming as a coroutine returning an iterator, but litellm's stream wrapper
    # iterates whatever it returns without awaiting it: an async generator is what works.
    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        for chunk in self.streaming(model, messages):
            yield chunk


_REGISTER_LOCK = threading.Lock()


def register() -> litellm.CustomLLM:
    """Routes ``minirag/*`` models to the offline model in this process; any thread, any number of times.

    litellm finds custom handlers in ``litellm.custom_provider_map``; ``custom_llm_setup`` copies the
    provider name into ``litellm.provider_list`` and ``litellm._custom_providers`` (every completion call
    does it too, but provider lookups outside a call need it now)."""
    with _REGISTER_LOCK:
        handler = next(
            (i["custom_handler"] for i in litellm.custom_provider_map if i["provider"] == PROVIDER), None
        )
        if handler is None:
            handler = OfflineExtractiveLLM()
            litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": handler})
        custom_llm_setup()
    return handler
