"""An event leaves the request that emits it as one queue message; the webhook worker fans it out."""

import threading
import time
from collections.abc import Callable
from typing import Any

from minirag.domain.ids import new_id
from minirag.domain.webhooks import Delivery, Event, Webhook, delivery_id
from minirag.ports import Clock, Queue, WebhookRepository


class EventPublisher:
    """`publish` runs in the emitting request (a chat turn, the ingest worker) and costs one SQS send when
    the tenant has an active webhook subscribed to the event, and nothing otherwise. `fan_out` runs in the
    webhook worker: it reads the subscriptions fresh, so a webhook paused or deleted in any Lambda
    instance gets no delivery of the next event.

    Whether to send is decided from the tenant's subscriptions as this process read them at most
    `hint_ttl_s` ago (one Query per tenant per interval, instead of a queue message, a worker run and a
    Query per chat message for the tenants that have no webhook). A change made in this process applies at
    once; one made in another instance (the chat function is a function of its own) applies within
    `hint_ttl_s`: a new webhook may miss the events of its first seconds, never gets an extra one."""

    def __init__(
        self,
        *,
        webhooks: WebhookRepository,
        queue: Queue,
        clock: Clock,
        hint_ttl_s: float = 5.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._webhooks = webhooks
        self._queue = queue
        self._clock = clock
        self._subscribed = _Subscriptions(webhooks, hint_ttl_s, now)

    def publish(self, tenant_id: str, event_type: str, data: dict[str, Any]) -> Event:
        event = Event(
            id=new_id(), tenant_id=tenant_id, type=event_type, created_at=self._clock.now(), data=data
        )
        if event_type in self._subscribed.types(tenant_id):
            self._queue.send(event.as_message())
        return event

    def subscriptions_changed(self, tenant_id: str) -> None:
        """A webhook of the tenant was created, changed or deleted in this process."""
        self._subscribed.forget(tenant_id)

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


class _Subscriptions:
    """Per tenant, the event types its active webhooks subscribe to, as read at most `ttl_s` ago."""

    MAX_TENANTS = 4096

    def __init__(self, webhooks: WebhookRepository, ttl_s: float, now: Callable[[], float]) -> None:
        self._webhooks = webhooks
        self._ttl_s = ttl_s
        self._now = now
        self._lock = threading.Lock()
        self._read: dict[str, tuple[float, frozenset[str]]] = {}

    def types(self, tenant_id: str) -> frozenset[str]:
        with self._lock:
            hit = self._read.get(tenant_id)
        if hit is not None and self._now() - hit[0] < self._ttl_s:
            return hit[1]
        read_at = self._now()
        hooks = self._webhooks.list_all(tenant_id=tenant_id)
        types = frozenset(t for hook in hooks if hook.is_active for t in hook.events)
        with self._lock:
            if len(self._read) >= self.MAX_TENANTS:
                self._read.clear()
            self._read[tenant_id] = (read_at, types)
        return types

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            self._read.pop(tenant_id, None)
