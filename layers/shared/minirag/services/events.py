"""An event leaves the request that emits it as one queue message; the webhook worker fans it out."""

from typing import Any

from minirag.domain.ids import new_id
from minirag.domain.webhooks import Delivery, Event, Webhook, delivery_id
from minirag.ports import Clock, Queue, WebhookRepository


class EventPublisher:
    """`publish` runs in the emitting request (a chat turn, the ingest worker) and costs one SQS send, however
    many webhooks the tenant has. `fan_out` runs in the webhook worker: it reads the subscriptions fresh,
    so a webhook created or paused in any Lambda instance applies to the next event."""

    def __init__(self, *, webhooks: WebhookRepository, queue: Queue, clock: Clock) -> None:
        self._webhooks = webhooks
        self._queue = queue
        self._clock = clock

    def publish(self, tenant_id: str, event_type: str, data: dict[str, Any]) -> Event:
        event = Event(
            id=new_id(), tenant_id=tenant_id, type=event_type, created_at=self._clock.now(), data=data
        )
        self._queue.send(event.as_message())
        return event

    def fan_out(self, event: Event) -> list[Delivery]:
        """One delivery per active subscribed webhook, enqueued in batches; returns those enqueued.

        Safe to run again for the same event (SQS delivers at least once; a run may stop halfway): each
        delivery id is derived from (event, webhook) and written only if new. An existing delivery is
        enqueued again only while it is pending with no attempt, the state a run that stopped between
        the write and the send leaves behind; any other state already has its message (retrying), or
        needs none (delivered, dead, cancelled)."""
        hooks = self._webhooks.list_all(tenant_id=event.tenant_id)
        made = [self._delivery(event, hook) for hook in hooks if hook.is_active and event.type in hook.events]
        due = [d for d in made if self._webhooks.create_delivery(delivery=d) or self._unsent(d)]
        self._queue.send_batch([_deliver_message(d) for d in due])
        return due

    def enqueue(self, delivery: Delivery) -> None:
        self._queue.send(_deliver_message(delivery))

    def _delivery(self, event: Event, hook: Webhook) -> Delivery:
        return Delivery(
            id=delivery_id(event.id, hook.id),
            tenant_id=event.tenant_id,
            webhook_id=hook.id,
            event_id=event.id,
            event_type=event.type,
            body=event.body(),
            created_at=event.created_at,
            updated_at=self._clock.now(),
        )

    def _unsent(self, delivery: Delivery) -> bool:
        stored = self._webhooks.get_delivery(
            tenant_id=delivery.tenant_id, webhook_id=delivery.webhook_id, delivery_id=delivery.id
        )
        return stored is not None and stored.status == "pending" and not stored.attempts


def _deliver_message(delivery: Delivery) -> dict[str, Any]:
    return {
        "type": "deliver_webhook",
        "tenant_id": delivery.tenant_id,
        "webhook_id": delivery.webhook_id,
        "delivery_id": delivery.id,
    }
