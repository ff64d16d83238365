"""Picks the embedder of a bot: the built-in offline model, or any LiteLLM provider with its credentials."""

import threading
from collections.abc import Callable

from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.adapters.litellm_embedder import LiteLLMEmbedder
from minirag.domain.knowledge import BotProfile, Credentials
from minirag.ports import Embedder

OFFLINE_PREFIX = "offline/"


class EmbedderRegistry:
    def __init__(
        self,
        *,
        credentials: Callable[[BotProfile], Credentials],
        batch_size: int,
        endpoints: ModelEndpointPolicy | None = None,
    ) -> None:
        self._credentials = credentials
        self._endpoints = endpoints
        self._batch_size = batch_size
        self._offline: Embedder | None = None
        self._lock = threading.Lock()

    def offline(self) -> Embedder:
        """One model per process: loading it costs seconds and ~100 MB."""
        with self._lock:
            if self._offline is None:
                from minirag.adapters.offline_embedder import OfflineEmbedder

                self._offline = OfflineEmbedder(batch_size=self._batch_size)
            return self._offline

    def for_bot(self, bot: BotProfile) -> Embedder:
        if bot.embedding_model.startswith(OFFLINE_PREFIX):
            return self.offline()
        creds = self._credentials(bot)
        return LiteLLMEmbedder(
            bot.embedding_model,
            api_key=creds.embedding_api_key,
            api_base=creds.embedding_api_base,
            endpoints=self._endpoints,
        )
