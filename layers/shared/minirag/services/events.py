"""Emitting an event only records a delivery and enqueues it per subscribed webhook; nothing is sent inline."""

from typing import Any

from minirag.domain.ids import new_id
from minirag.domain.webhooks import Delivery, envelope
from minirag.ports import Clock, Queue, WebhookRepository


class EventPublisher:
    def __init__(self, *, webhooks: WebhookRepository, queue: Queue, clock: Clock) -> None:
        self._webhooks = webhooks
        self._queue = queue
        self._clock = clock

    def publish(self, tenant_id: str, event_type: str, data: dict[str, Any]) -> list[Delivery]:
        hooks = [
            h for h in self._webhooks.list_all(tenant_id=tenant_id) if h.is_active and event_type in h.events
        ]
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
