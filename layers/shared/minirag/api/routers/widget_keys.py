from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import Field

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import PagerDep
from minirag.api.schemas import Name, Page, PublicModel, RequestModel
from minirag.domain.models import WidgetKey

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}/widget-keys", tags=["widget-keys"])


class WidgetKeyCreate(RequestModel):
    name: Name
    allowed_origins: Annotated[
        list[Annotated[str, Field(max_length=300)]], Field(min_length=1, max_length=50)
    ]
    rate_limit_per_minute: int = Field(30, ge=1, le=10_000)
    max_messages_per_day: int = Field(1000, ge=1, le=1_000_000)


class WidgetKeyPublic(PublicModel):
    id: str
    bot_profile_id: str
    name: str
    key_prefix: str
    allowed_origins: list[str]
    rate_limit_per_minute: int
    max_messages_per_day: int
    is_active: bool
    created_at: datetime

    @classmethod
    def derived(cls, k: WidgetKey) -> dict[str, Any]:
        return {"bot_profile_id": k.bot_id}


class WidgetKeyCreated(WidgetKeyPublic):
    key: str


@router.post("", status_code=status.HTTP_201_CREATED)
def create_key(
    bot_id: str, body: WidgetKeyCreate, services: ServicesDep, principal: PrincipalDep
) -> WidgetKeyCreated:
    made = services.widget_keys.create(
        principal,
        bot_id=bot_id,
        name=body.name,
        allowed_origins=body.allowed_origins,
        rate_limit_per_minute=body.rate_limit_per_minute,
        max_messages_per_day=body.max_messages_per_day,
    )
    return WidgetKeyCreated(**WidgetKeyPublic.of(made.key).model_dump(), key=made.raw_key)


@router.get("")
def list_keys(
    bot_id: str, services: ServicesDep, principal: PrincipalDep, page: PagerDep
) -> Page[WidgetKeyPublic]:
    return page.envelope(services.widget_keys.list(principal, bot_id), WidgetKeyPublic.of)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(bot_id: str, key_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.widget_keys.revoke(principal, bot_id, key_id)
