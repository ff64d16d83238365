"""Webhooks and their delivery records (kept 30 days by TTL)."""

from datetime import datetime, timedelta
from typing import Any

from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb.items import DeliveryItem, WebhookItem
from minirag.adapters.dynamodb.tables import DynamoTables, newest_first, storage_errors
from minirag.domain.errors import ConflictError
from minirag.domain.webhooks import Attempt, Delivery, Webhook
from minirag.ports import Page

_KEEP_DELIVERIES = timedelta(days=30)


class DynamoWebhookRepository:
    def __init__(self, tables: DynamoTables) -> None:
        self._hook = tables.model(WebhookItem)
        self._delivery = tables.model(DeliveryItem)

    def save(self, *, webhook: Webhook) -> None:
        item = self._hook(
            keys.tenant_pk(webhook.tenant_id),
            keys.webhook_sk(webhook.id),
            webhook_id=webhook.id,
            url=webhook.url,
            events=webhook.events,
            secret_sealed=webhook.secret_sealed,
            description=webhook.description,
            is_active=webhook.is_active,
            created_at=webhook.created_at,
            updated_at=webhook.updated_at,
        )
        with storage_errors():
            item.save()

    def get(self, *, tenant_id: str, webhook_id: str) -> Webhook | None:
        with storage_errors():
            try:
                item = self._hook.get(
                    keys.tenant_pk(tenant_id), keys.webhook_sk(webhook_id), consistent_read=True
                )
            except self._hook.DoesNotExist:
                return None
        return self._webhook_of(item, tenant_id)

    def list_all(self, *, tenant_id: str) -> list[Webhook]:
        with storage_errors():
            found = self._hook.query(keys.tenant_pk(tenant_id), self._hook.sk.startswith("WEBHOOK#"))
            return [self._webhook_of(item, tenant_id) for item in found]

    def delete(self, *, tenant_id: str, webhook_id: str) -> None:
        with storage_errors():
            self._hook(keys.tenant_pk(tenant_id), keys.webhook_sk(webhook_id)).delete()

    def save_delivery(self, *, delivery: Delivery) -> None:
        with storage_errors():
            self._delivery_item(delivery).save()

    def create_delivery(self, *, delivery: Delivery) -> bool:
        try:
            with storage_errors():
                self._delivery_item(delivery).save(condition=self._delivery.pk.does_not_exist())
        except ConflictError:
            return False
        return True

    def _delivery_item(self, delivery: Delivery) -> DeliveryItem:
        return self._delivery(
            keys.tenant_pk(delivery.tenant_id),
            keys.delivery_sk(delivery.webhook_id, delivery.id),
            delivery_id=delivery.id,
            webhook_id=delivery.webhook_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            status=delivery.status,
            attempts=[a.as_dict() for a in delivery.attempts],
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            ttl=delivery.created_at + _KEEP_DELIVERIES,
        )

    def get_delivery(self, *, tenant_id: str, webhook_id: str, delivery_id: str) -> Delivery | None:
        with storage_errors():
            try:
                item = self._delivery.get(
                    keys.tenant_pk(tenant_id), keys.delivery_sk(webhook_id, delivery_id), consistent_read=True
                )
            except self._delivery.DoesNotExist:
                return None
        return self._delivery_of(item, tenant_id)

    def deliveries(
        self, *, tenant_id: str, webhook_id: str, limit: int, start: dict[str, Any] | None = None
    ) -> Page[Delivery]:
        found, last_key = newest_first(
            self._delivery, keys.tenant_pk(tenant_id), f"DELIVERY#{webhook_id}#", limit=limit, start=start
        )
        return Page([self._delivery_of(item, tenant_id) for item in found], last_key)

    @staticmethod
    def _webhook_of(item: WebhookItem, tenant_id: str) -> Webhook:
        return Webhook(
            id=item.webhook_id,
            tenant_id=tenant_id,
            url=item.url,
            events=list(item.events),
            secret_sealed=item.secret_sealed,
            description=item.description,
            is_active=item.is_active,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )

    @staticmethod
    def _delivery_of(item: DeliveryItem, tenant_id: str) -> Delivery:
        attempts = [_attempt(a) for a in (item.attempts or [])]
        return Delivery(
            id=item.delivery_id,
            tenant_id=tenant_id,
            webhook_id=item.webhook_id,
            event_id=item.event_id,
            event_type=item.event_type,
            body=item.body,
            status=item.status,
            attempts=attempts,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


def _attempt(raw: dict[str, Any]) -> Attempt:
    return Attempt(
        at=datetime.fromisoformat(raw["at"]),
        status_code=raw.get("status_code"),
        duration_ms=int(raw.get("duration_ms") or 0),
        error=raw.get("error"),
    )
