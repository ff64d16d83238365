"""Webhook subscriptions, and the delivery worker: signed POSTs, every attempt recorded, backoff, DLQ."""

import random
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from minirag.domain.errors import ConflictError, NotFoundError, UnprocessableError
from minirag.domain.ids import new_id
from minirag.domain.models import Principal
from minirag.domain.roles import Role
from minirag.domain.webhooks import (
    TEST_EVENT,
    Attempt,
    Delivery,
    Webhook,
    backoff,
    envelope,
    signature_headers,
)
from minirag.ports import Clock, WebhookRepository, WebhookSender
from minirag.security.crypto import SecretBox
from minirag.services.events import EventPublisher
from minirag.services.guards import require_role
from minirag.services.sources import UrlChecker


class RetryLater(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


class DeliveryFailed(Exception):
    """The last attempt failed: the message goes to the DLQ, the delivery is marked dead."""


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str


class WebhookService:
    def __init__(
        self,
        *,
        webhooks: WebhookRepository,
        sender: WebhookSender,
        urls: UrlChecker,
        publisher: EventPublisher,
        box: SecretBox,
        clock: Clock,
        max_attempts: int,
        timeout_s: float,
        backoff_scale: float = 1.0,
    ) -> None:
        self._webhooks = webhooks
        self._sender = sender
        self._urls = urls
        self._publisher = publisher
        self._box = box
        self._clock = clock
        self._max_attempts = max_attempts
        self._timeout_s = timeout_s
        self._backoff_scale = backoff_scale

    # --- subscriptions -------------------------------------------------------------------------------
    def create(
        self,
        principal: Principal,
        *,
        url: str,
        events: list[str],
        description: str | None,
        secret: str | None,
    ) -> NewWebhook:
        require_role(principal, Role.ADMIN)
        self._urls.check_url(url)
        secret = secret or "whsec_" + secrets.token_urlsafe(32)
        now = self._clock.now()
        hook = Webhook(
            id=new_id(),
            tenant_id=principal.tenant_id,
            url=url,
            events=list(dict.fromkeys(events)),  # the client's order, as the original kept it
            secret_sealed=self._box.encrypt(secret),
            created_at=now,
            updated_at=now,
            description=description,
        )
        self._webhooks.save(webhook=hook)
        self._publisher.subscriptions_changed(principal.tenant_id)
        return NewWebhook(hook, secret)

    def get(self, principal: Principal, webhook_id: str) -> Webhook:
        require_role(principal, Role.ADMIN)
        hook = self._webhooks.get(tenant_id=principal.tenant_id, webhook_id=webhook_id)
        if hook is None:
            raise NotFoundError("webhook not found")
        return hook

    def list_webhooks(self, principal: Principal) -> list[Webhook]:
        require_role(principal, Role.ADMIN)
        return sorted(self._webhooks.list_all(tenant_id=principal.tenant_id), key=lambda h: h.created_at)

    def update(self, principal: Principal, webhook_id: str, changes: dict[str, Any]) -> Webhook:
        hook = self.get(principal, webhook_id)
        if changes.get("url"):
            self._urls.check_url(changes["url"])
        values = {
            k: v for k, v in changes.items() if k in ("url", "description", "is_active") and v is not None
        }
        if changes.get("events"):
            values["events"] = list(dict.fromkeys(changes["events"]))
        updated = replace(hook, **values, updated_at=self._clock.now())
        self._webhooks.save(webhook=updated)
        self._publisher.subscriptions_changed(principal.tenant_id)
        return updated

    def delete(self, principal: Principal, webhook_id: str) -> None:
        self.get(principal, webhook_id)
        self._webhooks.delete(tenant_id=principal.tenant_id, webhook_id=webhook_id)
        self._publisher.subscriptions_changed(principal.tenant_id)

    def deliveries(
        self, principal: Principal, webhook_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Delivery], str | None]:
        """Newest first. The cursor is the storage key, sealed and bound to the tenant (checked after
        the webhook, so a bad cursor never hides a 404)."""
        self.get(principal, webhook_id)
        tenant_id = principal.tenant_id
        start = self._box.decode_cursor(tenant_id, cursor) if cursor else None
        page = self._webhooks.deliveries(tenant_id=tenant_id, webhook_id=webhook_id, limit=limit, start=start)
        return page.items, self._box.encode_cursor(tenant_id, page.last_key) if page.last_key else None

    def redeliver(self, principal: Principal, webhook_id: str, delivery_id: str) -> Delivery:
        self.get(principal, webhook_id)
        delivery = self._webhooks.get_delivery(
            tenant_id=principal.tenant_id, webhook_id=webhook_id, delivery_id=delivery_id
        )
        if delivery is None:
            raise NotFoundError("delivery not found")
        if delivery.status in ("pending", "retrying"):
            raise ConflictError("this delivery is still being attempted")
        delivery = replace(delivery, status="pending", updated_at=self._clock.now())
        self._webhooks.save_delivery(delivery=delivery)
        self._publisher.enqueue(delivery)
        return delivery

    def test(self, principal: Principal, webhook_id: str) -> tuple[Delivery, int | None]:
        """A test.ping sent now, in the request: the one inline delivery, because a person is waiting."""
        hook = self.get(principal, webhook_id)
        now = self._clock.now()
        event_id = new_id()
        body = envelope(
            event_id=event_id,
            event_type=TEST_EVENT,
            created_at=now,
            tenant_id=hook.tenant_id,
            data={"webhook_id": hook.id},
        )
        delivery = Delivery(
            id=new_id(),
            tenant_id=hook.tenant_id,
            webhook_id=hook.id,
            event_id=event_id,
            event_type=TEST_EVENT,
            body=body,
            created_at=now,
            updated_at=now,
        )
        attempt = self._attempt(hook, delivery)
        delivery.status = "delivered" if _ok(attempt) else "dead"
        self._webhooks.save_delivery(delivery=delivery)
        return delivery, attempt.status_code

    # --- the worker ----------------------------------------------------------------------------------
    def deliver(self, tenant_id: str, webhook_id: str, delivery_id: str, *, attempt: int) -> None:
        hook = self._webhooks.get(tenant_id=tenant_id, webhook_id=webhook_id)
        delivery = self._webhooks.get_delivery(
            tenant_id=tenant_id, webhook_id=webhook_id, delivery_id=delivery_id
        )
        if delivery is None or delivery.status in ("delivered", "cancelled"):
            return
        if hook is None or not hook.is_active:
            self._webhooks.save_delivery(
                delivery=replace(delivery, status="cancelled", updated_at=self._clock.now())
            )
            return
        result = self._attempt(hook, delivery)
        if _ok(result):
            delivery.status = "delivered"
            self._webhooks.save_delivery(delivery=delivery)
            return
        last = attempt >= self._max_attempts
        delivery.status = "dead" if last else "retrying"
        self._webhooks.save_delivery(delivery=delivery)
        if last:
            raise DeliveryFailed(f"webhook {hook.id} failed {attempt} times")
        delay = backoff(attempt, random.uniform(-1, 1))  # noqa: S311 - jitter, not secrecy
        raise RetryLater(round(delay * self._backoff_scale))

    def _attempt(self, hook: Webhook, delivery: Delivery) -> Attempt:
        timestamp = int(self._clock.now().timestamp())
        secret = self._box.decrypt(hook.secret_sealed)
        headers = {
            "Content-Type": "application/json",
            "X-MiniRAG-Event": delivery.event_type,
            "X-MiniRAG-Delivery": delivery.id,
            **signature_headers(secret, timestamp, delivery.body),
        }
        started = time.perf_counter()
        try:
            result = self._sender.post(
                hook.url, body=delivery.body.encode(), headers=headers, timeout_s=self._timeout_s
            )
            attempt = Attempt(
                at=self._clock.now(),
                status_code=result.status,
                duration_ms=result.elapsed_ms,
                error=None if 200 <= result.status < 300 else f"HTTP {result.status}",
            )
        except UnprocessableError as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            attempt = Attempt(
                at=self._clock.now(), status_code=None, duration_ms=elapsed, error=exc.detail[:300]
            )
        delivery.attempts.append(attempt)
        delivery.updated_at = self._clock.now()
        return attempt


def _ok(attempt: Attempt) -> bool:
    return attempt.status_code is not None and 200 <= attempt.status_code < 300
