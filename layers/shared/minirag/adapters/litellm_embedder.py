"""Embeddings from any LiteLLM provider. litellm is imported on first use: it is slow to import."""

import base64
import sys
import warnings
from array import array
from typing import Any

from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.domain.chunking import approx_tokens
from minirag.domain.errors import DependencyUnavailableError, UnprocessableError

# LiteLLM logs a copy of the response made with pydantic's model_dump, whose schema says the embedding is a
# list of floats: a base64 embedding (asked for below) makes it warn on every call. Only that warning.
_SERIALIZER_WARNING = (
    r"Pydantic serializer warnings:\s+PydanticSerializationUnexpectedValue\(Expected `list\[float\]`"
    r"[\s\S]*field_name='embedding'"
)


def _silence_serializer_warning() -> None:
    """Installed before each base64 call, not once at import: whoever saves and restores the warning
    filters meanwhile (pytest does around every test) would drop it."""
    for entry in warnings.filters:
        if entry[1] is not None and entry[1].pattern == _SERIALIZER_WARNING:
            return
    warnings.filterwarnings("ignore", message=_SERIALIZER_WARNING, category=UserWarning)


class LiteLLMEmbedder:
    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout_s: float = 30.0,
        batch_size: int = 64,
        endpoints: ModelEndpointPolicy | None = None,
    ) -> None:
        self._endpoints = endpoints
        self.model_name = model
        self._api_key = api_key
        self._api_base = api_base
        self._timeout = timeout_s
        self._batch = batch_size
        self._openai: bool | None = None

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch):
            vectors.extend(self._call(texts[start : start + self._batch]))
        return vectors

    def _call(self, texts: list[str]) -> list[list[float]]:
        import litellm

        if self._endpoints is not None:
            from minirag.adapters.litellm_chat import check_endpoint

            check_endpoint(litellm, self._endpoints, self.model_name, self._api_base)
        encoding = "base64" if self._speaks_openai(litellm) else None
        if encoding:
            _silence_serializer_warning()
        try:
            response: Any = litellm.embedding(
                model=self.model_name,
                input=texts,
                api_key=self._api_key,
                api_base=self._api_base,
                timeout=self._timeout,
                encoding_format=encoding,
            )
        except (litellm.AuthenticationError, litellm.NotFoundError, litellm.BadRequestError) as exc:
            raise UnprocessableError(f"embedding provider refused the request: {_short(exc)}") from exc
        except litellm.APIError as exc:
            raise DependencyUnavailableError(f"embedding provider unavailable: {_short(exc)}") from exc
        except Exception as exc:  # litellm maps transport errors to many types; all of them are retryable
            raise DependencyUnavailableError(f"embedding provider unavailable: {_short(exc)}") from exc
        data = sorted(response.data, key=lambda d: d["index"])
        return [_floats(d["embedding"]) for d in data]

    def _speaks_openai(self, litellm: Any) -> bool:
        """OpenAI's protocol (OpenAI itself, or any server the official SDK talks to: the SDK asks for
        base64 by default) answers base64 when asked: 4 bytes a dimension to parse instead of a JSON
        number, a third of the call's CPU here. Other providers keep LiteLLM's default."""
        if self._openai is None:
            try:
                provider = litellm.get_llm_provider(model=self.model_name, api_base=self._api_base)[1]
            except Exception:  # an unknown provider fails the call itself, with the usual translated error
                provider = None
            self._openai = provider == "openai"
        return self._openai

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)


def _floats(embedding: Any) -> list[float]:
    """A list of numbers, or the base64 of little-endian float32s (what OpenAI's protocol sends when asked)."""
    if not isinstance(embedding, str):
        return list(map(float, embedding))
    values = array("f", base64.b64decode(embedding))
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()


def _short(exc: Exception) -> str:
    """A short reason of our own: the provider's answer (which may be any server's page) is never echoed."""
    status = getattr(exc, "status_code", None)
    reason = type(exc).__name__
    return f"{reason} (HTTP {status})" if isinstance(status, int) else reason
