from typing import Annotated, Any

from fastapi import APIRouter, Query

from minirag.api.deps import PrincipalDep, ServicesDep

router = APIRouter(prefix="/v1/stats", tags=["stats"])
Days = Annotated[int, Query(ge=1, le=366)]
# The usage routes of the original MiniRAG answered for all time when `days` was left out (its dashboard's
# "All time" choice sends none); cost-estimate and feedback keep their 30-day default, as there.
AllTimeDays = Annotated[int | None, Query(ge=1, le=366)]


@router.get("/overview")
def overview(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    return services.stats.overview(principal)


@router.get("/usage")
def usage(services: ServicesDep, principal: PrincipalDep, days: AllTimeDays = None) -> list[dict[str, Any]]:
    return services.stats.usage(principal, days)


@router.get("/usage/by-bot")
def usage_by_bot(
    services: ServicesDep, principal: PrincipalDep, days: AllTimeDays = None
) -> list[dict[str, Any]]:
    return services.stats.by_bot(principal, days)


@router.get("/usage/by-model")
def usage_by_model(
    services: ServicesDep, principal: PrincipalDep, days: AllTimeDays = None
) -> list[dict[str, Any]]:
    return services.stats.by_model(principal, days)


@router.get("/cost-estimate")
def cost_estimate(services: ServicesDep, principal: PrincipalDep, days: Days = 30) -> dict[str, Any]:
    return services.stats.cost_estimate(principal, days)


@router.get("/pricing")
def pricing(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    return services.stats.pricing(principal, [services.settings.default_model])


@router.get("/feedback")
def feedback(
    services: ServicesDep, principal: PrincipalDep, days: Days = 30, bot_profile_id: str | None = None
) -> dict[str, Any]:
    return services.stats.feedback(principal, days, bot_profile_id)


@router.get("/feedback/trend")
def feedback_trend(
    services: ServicesDep, principal: PrincipalDep, days: Days = 30, bot_profile_id: str | None = None
) -> list[dict[str, Any]]:
    return services.stats.feedback_trend(principal, days, bot_profile_id)
