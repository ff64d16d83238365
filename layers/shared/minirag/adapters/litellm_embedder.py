"""Embeddings from any LiteLLM provider. litellm is imported on first use: it is slow to import."""

from typing import Any

from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.domain.chunking import approx_tokens
from minirag.domain.errors import DependencyUnavailableError, UnprocessableError


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
        try:
            response: Any = litellm.embedding(
                model=self.model_name,
                input=texts,
                api_key=self._api_key,
                api_base=self._api_base,
                timeout=self._timeout,
            )
        except (litellm.AuthenticationError, litellm.NotFoundError, litellm.BadRequestError) as exc:
            raise UnprocessableError(f"embedding provider refused the request: {_short(exc)}") from exc
        except litellm.APIError as exc:
            raise DependencyUnavailableError(f"embedding provider unavailable: {_short(exc)}") from exc
        except Exception as exc:  # litellm maps transport errors to many types; all of them are retryable
            raise DependencyUnavailableError(f"embedding provider unavailable: {_short(exc)}") from exc
        data = sorted(response.data, key=lambda d: d["index"])
        return [list(map(float, d["embedding"])) for d in data]

    def count_tokens(self, text: str) -> int:
        return approx_tokens(text)


def _short(exc: Exception) -> str:
    """A short reason of our own: the provider's answer (which may be any server's page) is never echoed."""
    status = getattr(exc, "status_code", None)
    reason = type(exc).__name__
    return f"{reason} (HTTP {status})" if isinstance(status, int) else reason
