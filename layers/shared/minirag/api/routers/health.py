from fastapi import APIRouter

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.domain.roles import Role
from minirag.services.guards import require_role

router = APIRouter()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/system/health")
def system_health(services: ServicesDep) -> dict[str, object]:
    return services.health.check()


@router.get("/v1/system/health/detailed")
def system_health_detailed(services: ServicesDep, principal: PrincipalDep) -> dict[str, object]:
    require_role(principal, Role.ADMIN)
    report = services.health.check()
    report["environment"] = services.settings.env
    report["region"] = services.settings.aws_region
    return report
