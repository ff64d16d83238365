from fastapi import APIRouter, status

from minirag.api.deps import ClientIpDep, PrincipalDep, ServicesDep
from minirag.api.schemas import LoginPublic, LoginRequest, MePublic, TenantPublic, UserPublic

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/login")
def login(body: LoginRequest, services: ServicesDep, ip: ClientIpDep) -> LoginPublic:
    result = services.auth.login(
        email=str(body.email), password=body.password, tenant_slug=body.tenant_slug, client_ip=ip
    )
    return LoginPublic(
        access_token=result.access_token,
        expires_in=result.expires_in,
        user=UserPublic.of(result.user),
        tenant=TenantPublic.of(result.tenant),
    )


@router.get("/me")
def me(services: ServicesDep, principal: PrincipalDep) -> MePublic:
    """With an API token, the user the token acts for (as the original MiniRAG answered): the user bound to
    it when it was made. null only for a token made before tokens were bound to users."""
    tenant = services.tenants.get(principal.tenant_id)
    user_id = principal.user_id or principal.creator_id
    user = services.users.get(principal, user_id) if user_id else None
    return MePublic(
        user=UserPublic.of(user) if user else None,
        tenant=TenantPublic.of(tenant),
        role=principal.role,
        auth=principal.kind,
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(services: ServicesDep, principal: PrincipalDep) -> None:
    services.auth.logout(principal)
