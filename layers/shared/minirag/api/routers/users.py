from fastapi import APIRouter, status

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import PagerDep
from minirag.api.schemas import UserCreate, UserPublic, UserUpdate
from minirag.services.users import UserChanges

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, services: ServicesDep, principal: PrincipalDep) -> UserPublic:
    user = services.users.create(
        principal,
        email=str(body.email),
        password=body.password,
        display_name=body.display_name,
        role=body.role,
    )
    return UserPublic.of(user)


@router.get("")
def list_users(services: ServicesDep, principal: PrincipalDep, page: PagerDep) -> list[UserPublic]:
    """By email, as the original MiniRAG listed users."""
    return [UserPublic.of(u) for u in page(services.users.list(principal), key=lambda u: (u.email, u.id))]


@router.get("/{user_id}")
def get_user(user_id: str, services: ServicesDep, principal: PrincipalDep) -> UserPublic:
    return UserPublic.of(services.users.get(principal, user_id))


@router.patch("/{user_id}")
def update_user(user_id: str, body: UserUpdate, services: ServicesDep, principal: PrincipalDep) -> UserPublic:
    changes = UserChanges(**body.model_dump(exclude_unset=True))
    return UserPublic.of(services.users.update(principal, user_id, changes))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.users.deactivate(principal, user_id)
