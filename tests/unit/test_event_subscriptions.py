"""EventPublisher.publish sends only what some active webhook of the tenant subscribes to, from a read of
the subscriptions at most `hint_ttl_s` old; changes made in this process apply at once."""

from datetime import UTC, datetime
from typing import Any, cast

from minirag.domain.webhooks import Webhook
from minirag.ports import Clock, WebhookRepository
from minirag.services.events import EventPublisher

NOW = datetime(2026, 12, 2, tzinfo=UTC)


class Hooks:
    def __init__(self) -> None:
        self.stored: list[Webhook] = []
        self.reads = 0

    def list_all(self, *, tenant_id: str) -> list[Webhook]:
        self.reads += 1
        return [h for h in self.stored if h.tenant_id == tenant_id]


class Sent:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any], *, delay_seconds: int = 0) -> None:
        self.messages.append(message)

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        self.messages.extend(messages)


class Ticks:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def hook(tenant_id: str, events: list[str], *, active: bool = True) -> Webhook:
    return Webhook("h1", tenant_id, "https://h", events, "sealed", NOW, NOW, is_active=active)


def publisher(hooks: Hooks, sent: Sent, ticks: Ticks) -> EventPublisher:
    clock = cast(Clock, type("C", (), {"now": staticmethod(lambda: NOW)})())
    repo = cast(WebhookRepository, hooks)
    return EventPublisher(webhooks=repo, queue=sent, clock=clock, hint_ttl_s=5.0, now=ticks)


def test_only_subscribed_active_event_types_are_sent() -> None:
    hooks, sent, ticks = Hooks(), Sent(), Ticks()
    hooks.stored = [hook("t1", ["chat.message"]), hook("t2", ["chat.message"], active=False)]
    events = publisher(hooks, sent, ticks)
    events.publish("t1", "chat.message", {"n": 1})
    events.publish("t1", "source.ready", {"n": 2})
    events.publish("t2", "chat.message", {"n": 3})
    events.publish("t3", "chat.message", {"n": 4})
    assert [(m["tenant_id"], m["data"]["n"]) for m in sent.messages] == [("t1", 1)]


def test_another_instances_new_webhook_applies_within_the_interval_and_one_read_serves_it() -> None:
    hooks, sent, ticks = Hooks(), Sent(), Ticks()
    events = publisher(hooks, sent, ticks)
    for n in range(50):
        events.publish("t1", "chat.message", {"n": n})
    assert (sent.messages, hooks.reads) == ([], 1)

    hooks.stored = [hook("t1", ["chat.message"])]  # created elsewhere
    ticks.t += 4.9
    events.publish("t1", "chat.message", {"n": "early"})
    ticks.t += 0.2
    events.publish("t1", "chat.message", {"n": "after"})
    assert [m["data"]["n"] for m in sent.messages] == ["after"]
    assert hooks.reads == 2


def test_a_change_in_this_process_applies_to_the_next_event() -> None:
    hooks, sent, ticks = Hooks(), Sent(), Ticks()
    events = publisher(hooks, sent, ticks)
    events.publish("t1", "chat.message", {"n": 0})
    hooks.stored = [hook("t1", ["chat.message"])]
    events.subscriptions_changed("t1")
    events.publish("t1", "chat.message", {"n": 1})
    hooks.stored = []
    events.subscriptions_changed("t1")
    events.publish("t1", "chat.message", {"n": 2})
    assert [m["data"]["n"] for m in sent.messages] == [1]


def test_a_zero_window_reads_the_subscriptions_for_every_event() -> None:
    hooks, sent, ticks = Hooks(), Sent(), Ticks()
    clock = cast(Clock, type("C", (), {"now": staticmethod(lambda: NOW)})())
    events = EventPublisher(
        webhooks=cast(WebhookRepository, hooks), queue=sent, clock=clock, hint_ttl_s=0, now=ticks
    )
    events.publish("t1", "chat.message", {"n": 0})
    hooks.stored = [hook("t1", ["chat.message"])]  # created elsewhere, at the same instant
    events.publish("t1", "chat.message", {"n": 1})
    assert [m["data"]["n"] for m in sent.messages] == [1] and hooks.reads == 2
