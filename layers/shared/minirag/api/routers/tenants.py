from fastapi import APIRouter, status

from minirag.api.deps import ClientIpDep, PrincipalDep, ServicesDep
from minirag.api.schemas import SignupPublic, TenantCreate, TenantPublic, UserPublic

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_tenant(body: TenantCreate, services: ServicesDep, ip: ClientIpDep) -> SignupPublic:
    result = services.tenants.signup(
        name=body.tenant_name,
        slug=body.tenant_slug,
        owner_email=str(body.owner_email),
        owner_password=body.owner_password,
        owner_display_name=body.owner_display_name,
        client_ip=ip,
    )
    return SignupPublic(
        tenant=TenantPublic.of(result.tenant),
        user=UserPublic.of(result.owner),
        api_token=result.raw_token,
        token_prefix=result.token.token_prefix,
    )


@router.get("/me")
def my_tenant(services: ServicesDep, principal: PrincipalDep) -> TenantPublic:
    return TenantPublic.of(services.tenants.get(principal.tenant_id))
