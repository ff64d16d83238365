"""Chat completions through LiteLLM (every provider), and the router that keeps the built-in offline model off it."""

import logging
import threading
from collections.abc import Iterator
from typing import Any

from minirag.adapters.http_fetch.errors import BlockedUrlError
from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.adapters.offline_llm import PROVIDER, OfflineChatModel
from minirag.domain.errors import ModelConfigurationError, ModelError
from minirag.domain.models_io import ModelChunk, ModelRequest

_registered = threading.Event()
_register_lock = threading.Lock()


def _litellm() -> Any:
    """litellm takes seconds to import: only the functions that talk to models pay for it, on first use."""
    import litellm

    if not _registered.is_set():
        with _register_lock:
            if not _registered.is_set():
                from minirag.adapters.offline_llm_provider import register

                register()
                # Its per-chunk success logging runs a fresh asyncio event loop for every streamed chunk
                # (about a third of a streamed call's CPU) and feeds only LiteLLM's own callbacks, of which
                # we register none: usage and cost come from the stream's usage chunk (services/chat.py).
                litellm.disable_streaming_logging = True
                _quiet_info_logs()
                _registered.set()
    return litellm


def _quiet_info_logs() -> None:
    """LiteLLM logs a few INFO records per call; under `make run`'s INFO root logger each was built and then
    dropped by LiteLLM's own filter. Warnings and errors still show; LITELLM_LOG=DEBUG still sets its level."""
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def load_litellm() -> None:
    """Imports LiteLLM (and registers the built-in provider) ahead of the first call that needs it."""
    _litellm()


def missing_keys(litellm: Any, model: str) -> list[str]:
    """The provider's key variables litellm finds unset (base URLs and other settings are not keys)."""
    try:
        found = litellm.validate_environment(model=model)
    except Exception:  # an unknown provider: the call itself fails with the usual translated error
        return []
    if found.get("keys_in_environment"):
        return []
    return [name for name in found.get("missing_keys", []) if "KEY" in name or "TOKEN" in name]


def check_endpoint(litellm: Any, endpoints: ModelEndpointPolicy, model: str, api_base: str | None) -> None:
    """Before every call: the endpoint as worked out when the bot was saved, and as litellm resolves it."""
    endpoints.check(model, api_base)
    try:
        resolved = litellm.get_llm_provider(model=model, api_base=api_base)[3]
    except Exception:  # an unknown provider fails the call itself, with the usual translated error
        return
    endpoints.check_url(resolved if isinstance(resolved, str) else None)


class LiteLLMChatModel:
    def __init__(self, endpoints: ModelEndpointPolicy | None = None) -> None:
        self._endpoints = endpoints

    def check(self, *, model: str, api_key: str | None, api_base: str | None) -> None:
        """A provider key missing from both the bot and the environment fails every call: say so now,
        as a configuration error, instead of storing, billing and retrying a turn that cannot work."""
        if api_key:
            return
        missing = missing_keys(_litellm(), model)
        if missing:
            raise ModelConfigurationError(
                f"the model {model!r} needs an API key: set the bot's credentials.api_key, "
                f"or {' or '.join(missing)} in the server's environment"
            )

    def stream(self, request: ModelRequest) -> Iterator[ModelChunk]:
        litellm = _litellm()
        if self._endpoints is not None:
            try:
                check_endpoint(litellm, self._endpoints, request.model, request.api_base)
            except BlockedUrlError as exc:
                raise ModelError(exc.detail, retry_after=60, kind="blocked") from exc
        streamed: dict[str, Any] = (
            {"stream": True, "stream_options": {"include_usage": True}} if request.stream else {}
        )
        try:
            response = litellm.completion(
                model=request.model,
                messages=request.messages,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                api_key=request.api_key,
                api_base=request.api_base,
                timeout=request.timeout_s,
                num_retries=0,
                **streamed,
            )
            yield from _chunks(response) if request.stream else _whole(response)
        except ModelError:
            raise
        except Exception as exc:
            raise translate(litellm, exc) from exc


class RoutedChatModel:
    """``minirag/*`` models answer in this process with no LiteLLM at all (no import, no per-call
    overhead); every other model goes through LiteLLM."""

    def __init__(self, endpoints: ModelEndpointPolicy | None = None) -> None:
        self._offline = OfflineChatModel()
        self._providers = LiteLLMChatModel(endpoints)

    def _for(self, model: str) -> OfflineChatModel | LiteLLMChatModel:
        return self._offline if is_offline(model) else self._providers

    def check(self, *, model: str, api_key: str | None, api_base: str | None) -> None:
        self._for(model).check(model=model, api_key=api_key, api_base=api_base)

    def stream(self, request: ModelRequest) -> Iterator[ModelChunk]:
        return self._for(request.model).stream(request)


def is_offline(model: str) -> bool:
    return model.startswith(PROVIDER + "/")


def _chunks(response: Any) -> Iterator[ModelChunk]:
    finished = False
    for chunk in response:
        usage = getattr(chunk, "usage", None)
        choices = getattr(chunk, "choices", None) or []
        for choice in choices:
            text = getattr(choice.delta, "content", None) if choice.delta else None
            if text:
                yield ModelChunk(text=text)
            if choice.finish_reason:
                finished = True
        if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
            yield ModelChunk(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
    if not finished:
        raise ModelError("the model stream ended before the answer was complete", kind="disconnected")
    yield ModelChunk(finished=True)


def _whole(response: Any) -> Iterator[ModelChunk]:
    """A non-streamed answer as the chunks a stream would have given."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise ModelError("the model returned no answer", kind="provider_error")
    text = getattr(choices[0].message, "content", None)
    if text:
        yield ModelChunk(text=text)
    usage = getattr(response, "usage", None)
    if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
        yield ModelChunk(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
    yield ModelChunk(finished=True)


_BY_STATUS: dict[int, tuple[str, str, int]] = {
    401: ("auth", "the model provider rejected the credentials", 60),
    403: ("auth", "the model provider rejected the credentials", 60),
    404: ("not_found", "the model was not found at the provider", 60),
    408: ("timeout", "the model provider timed out", 5),
    429: ("rate_limited", "the model provider is rate limiting requests", 10),
}


def translate(litellm: Any, exc: Exception) -> ModelError:
    """Provider failures in words a tenant can act on; no provider payloads or keys in the message.

    The HTTP status decides first: litellm 1.106 raises BadRequestError for some 401s in streaming mode.
    A stream that stalls or breaks off raises MidStreamFallbackError (status 500); its cause tells which."""
    cause = getattr(exc, "original_exception", None)
    if cause is not None and getattr(exc, "status_code", None) == 500:
        if "timed out" in str(cause).lower() or isinstance(cause, litellm.Timeout):
            return ModelError("the model provider timed out", kind="timeout")
        return ModelError("the model stream broke off before the answer was complete", kind="disconnected")
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status in _BY_STATUS:
        kind, text, retry = _BY_STATUS[status]
        return ModelError(text, retry_after=retry, kind=kind)
    cases: list[tuple[Any, str, str, int]] = [
        (litellm.AuthenticationError, "auth", "the model provider rejected the credentials", 60),
        (litellm.RateLimitError, "rate_limited", "the model provider is rate limiting requests", 10),
        (litellm.Timeout, "timeout", "the model provider timed out", 5),
        (litellm.NotFoundError, "not_found", "the model was not found at the provider", 60),
        (litellm.BadRequestError, "bad_request", "the model provider refused the request", 60),
        (litellm.APIConnectionError, "unavailable", "the model provider could not be reached", 5),
    ]
    for cls, kind, text, retry in cases:
        if isinstance(exc, cls):
            return ModelError(text, retry_after=retry, kind=kind)
    return ModelError("the model provider failed", kind="provider_error")


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """From litellm's bundled cost map (LITELLM_LOCAL_MODEL_COST_MAP=True); 0 for models it does not price
    and for the built-in model (which must not load LiteLLM to say so)."""
    if is_offline(model):
        return 0.0
    litellm = _litellm()
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # unknown models raise; they are priced at 0 rather than failing the chat
        return 0.0
    return float(prompt_cost + completion_cost)
