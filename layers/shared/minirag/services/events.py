"""Emitting an event only records a delivery and enqueues it per subscribed webhook; nothing is sent inline."""

import time
from typing import Any

from minirag.domain.ids import new_id
from minirag.domain.webhooks import Delivery, Webhook, envelope
from minirag.ports import Clock, Queue, WebhookRepository


class EventPublisher:
    """Subscriptions are cached per process for `cache_seconds` (every chat turn would otherwise pay a query);
    changes made through this process take effect at once, elsewhere within that delay."""

    def __init__(
        self, *, webhooks: WebhookRepository, queue: Queue, clock: Clock, cache_seconds: float = 30.0
    ) -> None:
        self._webhooks = webhooks
        self._queue = queue
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, list[Webhook]]] = {}

    def forget(self, tenant_id: str) -> None:
        self._cache.pop(tenant_id, None)

    def _subscriptions(self, tenant_id: str) -> list[Webhook]:
        cached = self._cache.get(tenant_id)
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        hooks = self._webhooks.list_all(tenant_id=tenant_id)
        self._cache[tenant_id] = (time.monotonic(), hooks)
        return hooks

    def publish(self, tenant_id: str, event_type: str, data: dict[str, Any]) -> list[Delivery]:
        hooks = [h for h in self._subscriptions(tenant_id) if h.is_active and event_type in h.events]
        if not hooks:
            return []
        now = self._clock.now()
        event_id = new_id()
        body = envelope(
            event_id=event_id, event_type=event_type, created_at=now, tenant_id=tenant_id, data=data
        )
        made = []
        for hook in hooks:
            delivery = Delivery(
                id=new_id(),
                tenant_id=tenant_id,
                webhook_id=hook.id,
                event_id=event_id,
                event_type=event_type,
                body=body,
                created_at=now,
                updated_at=now,
            )
            self._webhooks.save_delivery(delivery=delivery)
            self.enqueue(delivery)
            made.append(delivery)
        return made

    def enqueue(self, delivery: Delivery) -> None:
        self._queue.send(
            {
                "type": "deliver_webhook",
                "tenant_id": delivery.tenant_id,
                "webhook_id": delivery.webhook_id,
                "delivery_id": delivery.id,
            }
        )
