"""Where a bot's model calls go, judged by the same outbound policy as URL sources and webhooks.

LiteLLM connects wherever a bot's `api_base` / `embedding_api_base` points, carrying the tenant's key and the
whole prompt, and some providers default to a server on the platform's own machine (`ollama/...` goes to
http://localhost:11434). So the endpoint a model call will reach is worked out without importing litellm
(the API function does not ship it) and vetted: link-local and metadata addresses never, loopback and
private networks only with MINIRAG_ALLOW_PRIVATE_URLS. What the operator configured is trusted as is: the
origins in MINIRAG_MODEL_ENDPOINT_ALLOWLIST (self-hosted model servers) and the providers' own `*_API_BASE`
environment variables (OPENAI_API_BASE and the like), since no tenant can choose those.

A host that resolves to a public address when saved may be re-pointed later (DNS rebinding), and litellm
resolves it again itself; the check is repeated before every call, which narrows that window but cannot
pin the connection the way the source fetcher does.
"""

from collections.abc import Iterable, Mapping

import httpx

from minirag.adapters.http_fetch.errors import BlockedUrlError
from minirag.adapters.http_fetch.policy import UrlPolicy

IN_PROCESS_PREFIXES = ("offline/", "minirag/")  # the built-in models: no network at all

# Providers whose built-in default endpoint is a server on the calling machine (litellm 1.106.2).
LOCAL_DEFAULTS = {
    "ollama": "http://localhost:11434",
    "ollama_chat": "http://localhost:11434",
    "llamafile": "http://127.0.0.1:8080/v1",
    "lemonade": "http://localhost:8000/api/v1",
    "docker_model_runner": "http://localhost:22088/engines/llama.cpp",
    "langgraph": "http://localhost:2024",
    "langflow": "http://localhost:7860",
    "xinference": "http://127.0.0.1:9997/v1",
    "lm_studio": "http://localhost:1234/v1",
}
_PORTS = {"http": 80, "https": 443}


class BlockedModelEndpointError(BlockedUrlError):
    """The bot's model endpoint is not allowed."""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if parsed.scheme not in _PORTS or not parsed.host:
        return None
    return parsed.scheme, parsed.host.lower(), parsed.port or _PORTS[parsed.scheme]


class ModelEndpointPolicy:
    """`trusted`: operator-chosen URLs whose origin (scheme, host, port) may be private.
    `provider_bases`: the providers' `*_API_BASE` environment variables, by variable name."""

    def __init__(
        self, urls: UrlPolicy, *, trusted: Iterable[str] = (), provider_bases: Mapping[str, str] | None = None
    ) -> None:
        self._urls = urls
        self._operator_urls = urls.permissive()  # trusted origins may be private, never link-local
        self._bases = dict(provider_bases or {})
        origins = [_origin(url) for url in [*trusted, *self._bases.values()] if url.strip()]
        self._trusted = {origin for origin in origins if origin is not None}

    def endpoint(self, model: str, api_base: str | None) -> str | None:
        """The URL a call for `model` will reach, or None for in-process models and hosted providers."""
        if model.startswith(IN_PROCESS_PREFIXES):
            return None
        if api_base:
            return api_base
        provider = model.split("/", 1)[0].lower() if "/" in model else "openai"
        return self._bases.get(f"{provider.upper()}_API_BASE") or LOCAL_DEFAULTS.get(provider)

    def check(self, model: str, api_base: str | None, *, what: str = "model") -> None:
        """Raise BlockedModelEndpointError (a 422 when saving) unless the call may go where it points."""
        self.check_url(self.endpoint(model, api_base), what=what)

    def check_url(self, url: str | None, *, what: str = "model") -> None:
        if url is None:
            return
        policy = self._operator_urls if _origin(url) in self._trusted else self._urls
        try:
            policy.vet(url)
        except BlockedUrlError as exc:
            raise BlockedModelEndpointError(f"the {what} endpoint is not allowed: {exc.detail}") from exc
