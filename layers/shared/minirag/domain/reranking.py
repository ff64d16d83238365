"""What crosses the Reranker port, and how many candidates a reranked bot retrieves."""

from dataclasses import dataclass

from minirag.domain.knowledge import BotProfile, Credentials

# Names of in-process models. No offline reranker ships (no registry package bundles a cross-encoder that
# loads without a download: benchmarks/RESULTS.md), so a rerank model under them is refused when saved.
BUILT_IN_PREFIXES = ("minirag/", "offline/")
MIN_CANDIDATES = 20
MAX_CANDIDATES = 100


@dataclass(frozen=True)
class RerankRequest:
    model: str
    query: str
    documents: list[str]
    top_n: int
    api_key: str | None = None
    api_base: str | None = None
    timeout_s: float = 3.0


@dataclass(frozen=True)
class RerankScore:
    index: int  # position in RerankRequest.documents
    score: float  # the reranker's relevance score: higher is more relevant


def candidate_count(top_k: int, reranked: bool) -> int:
    """A reranker can only promote what retrieval found: it gets four times the bot's top_k (at least
    20, at most 100, never fewer than top_k) and keeps top_k of them."""
    if not reranked:
        return top_k
    return max(top_k, min(max(top_k * 4, MIN_CANDIDATES), MAX_CANDIDATES))


def _provider(model: str) -> str:
    return model.split("/", 1)[0].lower() if "/" in model else "openai"


def rerank_credentials(bot: BotProfile, creds: Credentials) -> tuple[str | None, str | None]:
    """(api_key, api_base) of the bot's rerank calls: its rerank credentials; when it set none and the
    reranker is served by its chat model's provider, the chat credentials. Never another provider's key:
    a chat key sent to a rerank provider would be handed to a third party."""
    if creds.rerank_api_key or creds.rerank_api_base or not bot.rerank_model:
        return creds.rerank_api_key, creds.rerank_api_base
    if _provider(bot.rerank_model) == _provider(bot.model):
        return creds.api_key, creds.api_base
    return None, None
