"""Agent keys: what a tenant pastes into an MCP client. One bot, read-only knowledge, own budgets."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import Field

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import PagerDep
from minirag.api.schemas import Name, Page, PublicModel, RequestModel
from minirag.domain.models import WidgetKey

router = APIRouter(prefix="/v1/bot-profiles/{bot_id}/agent-keys", tags=["agent-keys"])
AGENT = "agent"


class AgentKeyCreate(RequestModel):
    name: Name
    rate_limit_per_minute: int = Field(60, ge=1, le=10_000)
    max_requests_per_day: int = Field(5000, ge=1, le=1_000_000)


class AgentKeyPublic(PublicModel):
    id: str
    bot_profile_id: str
    name: str
    key_prefix: str
    rate_limit_per_minute: int
    max_requests_per_day: int
    is_active: bool
    created_at: datetime

    @classmethod
    def derived(cls, k: WidgetKey) -> dict[str, Any]:
        return {"bot_profile_id": k.bot_id, "max_requests_per_day": k.max_messages_per_day}


class AgentKeyCreated(AgentKeyPublic):
    key: str
    mcp_path: str  # the bot's MCP endpoint, relative to the API's base URL


@router.post("", status_code=status.HTTP_201_CREATED)
def create_key(
    bot_id: str, body: AgentKeyCreate, services: ServicesDep, principal: PrincipalDep
) -> AgentKeyCreated:
    made = services.widget_keys.create(
        principal,
        bot_id=bot_id,
        name=body.name,
        allowed_origins=[],
        rate_limit_per_minute=body.rate_limit_per_minute,
        max_messages_per_day=body.max_requests_per_day,
        kind=AGENT,
    )
    public = AgentKeyPublic.of(made.key).model_dump()
    return AgentKeyCreated(**public, key=made.raw_key, mcp_path=f"/v1/mcp/{bot_id}")


@router.get("")
def list_keys(
    bot_id: str, services: ServicesDep, principal: PrincipalDep, page: PagerDep
) -> Page[AgentKeyPublic]:
    return page.envelope(services.widget_keys.list(principal, bot_id, kind=AGENT), AgentKeyPublic.of)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(bot_id: str, key_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.widget_keys.revoke(principal, bot_id, key_id, kind=AGENT)
