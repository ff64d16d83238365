from dataclasses import fields

from fastapi import APIRouter, Request

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.domain.knowledge import BotProfile
from minirag.domain.roles import Role
from minirag.services.guards import require_role
from minirag.services.health import with_original_keys

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/system/health")
def system_health(services: ServicesDep, request: Request) -> dict[str, object]:
    """With the API's version, which /openapi.json publishes anyway (the dashboard's Settings shows it)."""
    return with_original_keys({**services.health.check(), "version": request.app.version})


@router.get("/v1/system/health/detailed")
def system_health_detailed(
    services: ServicesDep, principal: PrincipalDep, request: Request
) -> dict[str, object]:
    require_role(principal, Role.ADMIN)
    report = with_original_keys({**services.health.check(), "version": request.app.version})
    settings = services.settings
    report["queues"] = services.health.queue_depths()
    report["configuration"] = {
        "environment": settings.env,
        "region": settings.aws_region,
        "default_model": settings.default_model,
        "default_embedding_model": settings.default_embedding_model,
        "retrieval": settings.retrieval_mode,
        "fusion": settings.retrieval_fusion,
        "vector_store": "qdrant server" if settings.qdrant_url else "embedded",
    }
    report["bot_defaults"] = _bot_defaults(services)
    return report


def _bot_defaults(services: ServicesDep) -> dict[str, object]:
    """What a bot's blank fields mean (the dashboard's bot form shows them as placeholders)."""
    settings = services.settings
    built_in = {
        f.name: f.default for f in fields(BotProfile) if f.name in ("temperature", "max_tokens", "top_k")
    }
    return {
        "model": settings.default_model,
        "embedding_model": settings.default_embedding_model,
        **built_in,
        "chunk_size": settings.default_chunk_tokens,
        "chunk_overlap": settings.default_chunk_overlap,
        "retrieval_mode": settings.retrieval_mode,
    }
