from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StringConstraints

from minirag.api.deps import PrincipalDep, ServicesDep
from minirag.api.paging import Cursor, Limit, PagerDep
from minirag.api.schemas import Page, PublicModel, RequestModel, Text
from minirag.domain.webhooks import Delivery, Webhook

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

EventName = Literal["source.ingested", "source.failed", "chat.message", "chat.gap"]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]


class WebhookCreate(RequestModel):
    """As the original MiniRAG took it: any secret (empty or absent: one is generated), any event list."""

    url: Url
    events: list[EventName]
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    secret: Annotated[str, StringConstraints(max_length=256)] | None = None


class WebhookUpdate(RequestModel):
    url: Url | None = None
    events: Annotated[list[EventName], Field(min_length=1)] | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    is_active: bool | None = None


class WebhookPublic(PublicModel):
    id: str
    tenant_id: str
    url: str
    events: list[str]
    description: Text
    is_active: bool
    has_secret: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def derived(cls, hook: Webhook) -> dict[str, Any]:
        return {"has_secret": bool(hook.secret_sealed)}


class WebhookCreated(WebhookPublic):
    secret: str


class DeliveryPublic(PublicModel):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str
    attempts: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def derived(cls, d: Delivery) -> dict[str, Any]:
        return {"attempts": [a.as_dict() for a in d.attempts]}


class TestResult(BaseModel):
    success: bool
    status_code: int | None
    delivery_id: str


@router.post("", status_code=status.HTTP_201_CREATED)
def create_webhook(body: WebhookCreate, services: ServicesDep, principal: PrincipalDep) -> WebhookCreated:
    made = services.webhooks.create(
        principal, url=body.url, events=list(body.events), description=body.description, secret=body.secret
    )
    return WebhookCreated(**WebhookPublic.of(made.webhook).model_dump(), secret=made.secret)


@router.get("")
def list_webhooks(services: ServicesDep, principal: PrincipalDep, page: PagerDep) -> list[WebhookPublic]:
    """A bare array, as the original MiniRAG answered; the next page's cursor is in X-Next-Cursor."""
    return [WebhookPublic.of(h) for h in page(services.webhooks.list_webhooks(principal), newest_first=True)]


@router.get("/{webhook_id}")
def get_webhook(webhook_id: str, services: ServicesDep, principal: PrincipalDep) -> WebhookPublic:
    return WebhookPublic.of(services.webhooks.get(principal, webhook_id))


@router.patch("/{webhook_id}")
def update_webhook(
    webhook_id: str, body: WebhookUpdate, services: ServicesDep, principal: PrincipalDep
) -> WebhookPublic:
    return WebhookPublic.of(
        services.webhooks.update(principal, webhook_id, body.model_dump(exclude_unset=True))
    )


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: str, services: ServicesDep, principal: PrincipalDep) -> None:
    services.webhooks.delete(principal, webhook_id)


@router.post("/{webhook_id}/test")
def test_webhook(webhook_id: str, services: ServicesDep, principal: PrincipalDep) -> TestResult:
    delivery, status_code = services.webhooks.test(principal, webhook_id)
    return TestResult(
        success=delivery.status == "delivered", status_code=status_code, delivery_id=delivery.id
    )


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryPublic]:
    """Newest first."""
    found, next_cursor = services.webhooks.deliveries(principal, webhook_id, limit=limit, cursor=cursor)
    return Page(items=[DeliveryPublic.of(d) for d in found], next_cursor=next_cursor)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", status_code=status.HTTP_202_ACCEPTED)
def redeliver(
    webhook_id: str, delivery_id: str, services: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    services.webhooks.redeliver(principal, webhook_id, delivery_id)
    return {"status": "accepted"}
