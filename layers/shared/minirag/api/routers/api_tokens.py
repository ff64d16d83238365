from fastapi import APIRouter, status

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import PagerDep
from minirag.api.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic

router = APIRouter(prefix="/v1/api-tokens", tags=["api-tokens"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, services: ServicesDep, principal: PrincipalDep) -> ApiTokenCreated:
    created = services.api_tokens.create(
        principal, name=body.name, expires_at=body.expires_at, role=body.role
    )
    public = ApiTokenPublic.of(created.token)
    return ApiTokenCreated(**public.model_dump(), raw_token=created.raw_token)


@router.get("")
def list_tokens(services: ServicesDep, principal: PrincipalDep, page: PagerDep) -> list[ApiTokenPublic]:
    return [ApiTokenPublic.of(t) for t in page(services.api_tokens.list(principal), newest_first=True)]


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.api_tokens.revoke(principal, token_id)
