"""Reranking through LiteLLM's rerank API: Cohere, Jina, Together, Infinity, ... (litellm.rerank).
litellm is imported on first use: it takes seconds to import."""

from typing import Any

from minirag.adapters.http_fetch.model_endpoints import ModelEndpointPolicy
from minirag.domain.reranking import RerankRequest, RerankScore


class LiteLLMReranker:
    def __init__(self, endpoints: ModelEndpointPolicy | None = None) -> None:
        self._endpoints = endpoints

    def rerank(self, request: RerankRequest) -> list[RerankScore]:
        import litellm

        from minirag.adapters.litellm_chat import check_endpoint

        if self._endpoints is not None:  # as for chat: where the call goes, checked before every call
            check_endpoint(litellm, self._endpoints, request.model, request.api_base)
        response: Any = litellm.rerank(
            model=request.model,
            query=request.query,
            documents=request.documents,
            top_n=request.top_n,
            api_key=request.api_key,
            api_base=request.api_base,
            timeout=request.timeout_s,
            num_retries=0,
        )
        results = response.results if hasattr(response, "results") else response["results"]
        return [RerankScore(index=int(r["index"]), score=float(r["relevance_score"])) for r in results or []]
