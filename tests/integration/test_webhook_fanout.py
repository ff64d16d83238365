"""An event is one SQS message from the emitting request; the webhook worker fans it out, idempotently."""

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.adapters.dynamodb.webhooks import DynamoWebhookRepository
from minirag.adapters.dynamodb.wire import observing
from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services, dynamo_config
from minirag.domain.errors import DependencyUnavailableError
from minirag.domain.webhooks import Event
from minirag.services.events import EventPublisher
from tests.conftest import make_settings
from tests.integration.test_webhooks import check_signed, subscribe
from tests.support.api import TenantCtx, signup
from tests.support.clock import FakeClock
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.receiver import Receiver, receiver
from tests.support.worker import IngestWorker, WebhookWorker

HOOKS = 12


@pytest.fixture
def sites() -> Iterator[list[Receiver]]:
    with ExitStack() as stack:
        yield [stack.enter_context(receiver()) for _ in range(HOOKS)]


def other_wiring(
    services: Services, aws_endpoint: str, aws_env: dict[str, str], data_dir: Path, **overrides: object
) -> Services:
    """Services of their own, as another Lambda instance has them: same table, queues and keys."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        data_dir,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
        **overrides,
    )
    return build_services(settings, clock=services.clock)


def subscribed(client: TestClient, sites: list[Receiver]) -> tuple[TenantCtx, list[dict[str, Any]]]:
    tenant = signup(client)
    return tenant, [subscribe(client, tenant, site.url, ["chat.message"]) for site in sites]


def chat(client: TestClient, tenant: TenantCtx, bot_id: str, message: str = "hi") -> str:
    response = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": message}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return str(response.json()["chat_id"])


def deliveries(client: TestClient, tenant: TenantCtx, hook: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def one_publish_message(webhook_worker: WebhookWorker) -> dict[str, Any]:
    (message,) = webhook_worker.receive()
    assert json.loads(message["Body"])["type"] == "publish_event"
    return message


@dataclass
class Calls:
    dynamodb: list[str] = field(default_factory=list)
    sqs: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture
def counted(
    monkeypatch: pytest.MonkeyPatch,
    services: Services,
    webhook_worker: WebhookWorker,
    aws_endpoint: str,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> Iterator[tuple[TestClient, Calls]]:
    """An app of its own wiring; its SQS clients record every call (clients created after the patch
    elsewhere record too), and every DynamoDB call in the process is recorded, so clear `Calls` right
    before what is counted."""
    calls = Calls()
    create_client = botocore.session.Session.create_client

    def record_sqs(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.sqs.append((model.name, params.get("QueueUrl")))

    def record_dynamodb(operation: str, params: dict[str, Any]) -> None:
        calls.dynamodb.append(f"{operation} {json.dumps(params, default=str)}")

    def recording(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        made = create_client(session, service_name, *args, **kwargs)
        if service_name == "sqs":
            made.meta.events.register("before-parameter-build", record_sqs)
        return made

    monkeypatch.setattr(botocore.session.Session, "create_client", recording)
    wiring = other_wiring(  # its vectors too; subscriptions kept for the test, however slow the machine
        services, aws_endpoint, aws_env, services.settings.data_dir, webhook_subscriptions_max_age_seconds=600
    )
    with TestClient(create_app(wiring)) as app, observing(record_dynamodb):
        yield app, calls


def test_a_chat_turn_sends_one_message_and_every_receiver_gets_one_signed_post(
    client: TestClient,
    services: Services,
    worker: IngestWorker,
    webhook_worker: WebhookWorker,
    sites: list[Receiver],
    counted: tuple[TestClient, Calls],
) -> None:
    tenant, hooks = subscribed(client, sites)
    bot_id = make_bot(client, tenant)
    ingest(
        client, worker, tenant, add_text(client, tenant, bot_id, "The office opens at nine every weekday.")
    )
    webhook_worker.drain()
    app, calls = counted
    calls.dynamodb.clear()  # the setup above, through the session's app
    calls.sqs.clear()
    chat_id = chat(app, tenant, bot_id, "When does the office open?")
    dynamo, sqs = calls.dynamodb, calls.sqs

    # The tenant's subscriptions, read once per process and few seconds (services/events.py), no more.
    (hint,) = [c for c in dynamo if "WEBHOOK#" in c or "DELIVERY#" in c]
    assert hint.startswith("Query ")
    # An answered first turn in a fresh process: token, rate lease, bot, chat + question, the bot's curated
    # answers and live sources (read once per process and bot revision), answer + usage + day counts.
    assert len(dynamo) - 1 <= 8, dynamo
    assert sqs == [("SendMessage", services.settings.webhook_queue_url)]
    message = one_publish_message(webhook_worker)
    published = json.loads(message["Body"])
    assert set(published) == {"v", "type", "tenant_id", "event_id", "event_type", "created_at", "data"}
    assert published["event_type"] == "chat.message" and published["data"]["chat_id"] == chat_id
    assert webhook_worker.invoke([message]) == {"batchItemFailures": []}
    webhook_worker.delete([message])

    assert webhook_worker.drain() == HOOKS
    envelopes = []
    for hook, site in zip(hooks, sites, strict=True):
        assert len(site.received) == 1, hook["id"]
        envelopes.append(check_signed(hook, site.received[0]))
    assert {e["id"] for e in envelopes} == {published["event_id"]}
    assert all(e["type"] == "chat.message" and e["data"]["chat_id"] == chat_id for e in envelopes)
    assert len({site.received[0].headers["x-minirag-delivery"] for site in sites}) == HOOKS

    calls.dynamodb.clear()
    calls.sqs.clear()
    chat(app, tenant, bot_id, "And on Saturdays?")  # the same process, seconds later
    assert not [c for c in calls.dynamodb if "WEBHOOK#" in c], calls.dynamodb
    assert calls.sqs == [("SendMessage", services.settings.webhook_queue_url)]
    webhook_worker.drain()
    assert [len(site.received) for site in sites] == [2] * HOOKS


def test_a_tenant_without_webhooks_sends_nothing_to_the_queue(
    client: TestClient, services: Services, counted: tuple[TestClient, Calls]
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    app, calls = counted
    calls.sqs.clear()
    for question in ("hi", "hello again"):
        chat(app, tenant, bot_id, question)
    assert calls.sqs == []
    assert len([c for c in calls.dynamodb if "WEBHOOK#" in c]) == 1  # read once, then known for seconds

    with receiver() as site:
        hook = subscribe(app, tenant, site.url, ["chat.message"])  # in this process: applies at once
    chat(app, tenant, bot_id, "and now?")
    assert calls.sqs == [("SendMessage", services.settings.webhook_queue_url)]
    app.delete(f"/v1/webhooks/{hook['id']}", headers=tenant.headers)
    calls.sqs.clear()
    chat(app, tenant, bot_id, "and after?")
    assert calls.sqs == []


def test_a_publish_event_handled_twice_delivers_once(
    client: TestClient, webhook_worker: WebhookWorker, sites: list[Receiver]
) -> None:
    tenant, hooks = subscribed(client, sites)
    bot_id = make_bot(client, tenant)
    webhook_worker.drain()
    chat(client, tenant, bot_id)
    message = one_publish_message(webhook_worker)

    for _ in range(2):  # SQS delivered it twice
        assert webhook_worker.invoke([message]) == {"batchItemFailures": []}
    webhook_worker.delete([message])
    webhook_worker.drain()

    for hook, site in zip(hooks, sites, strict=True):
        assert len(site.received) == 1, hook["id"]
        (delivery,) = deliveries(client, tenant, hook)
        assert delivery["status"] == "delivered" and len(delivery["attempts"]) == 1
        assert site.received[0].headers["x-minirag-delivery"] == delivery["id"]

    # A third copy after everything was delivered enqueues nothing.
    webhook_worker.invoke([message])
    assert webhook_worker.drain() == 0
    assert all(len(site.received) == 1 for site in sites)


def test_a_repeated_fan_out_leaves_a_retrying_delivery_to_its_schedule(
    client: TestClient, services: Services, webhook_worker: WebhookWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    webhook_worker.drain()
    with receiver() as site:
        site.statuses = [500]
        hook = subscribe(client, tenant, site.url, ["chat.message"])
        chat(client, tenant, bot_id)
        message = one_publish_message(webhook_worker)
        webhook_worker.invoke([message])
        webhook_worker.delete([message])
        assert webhook_worker.poller.poll_once() == 1  # the first attempt: 500
        assert [d["status"] for d in deliveries(client, tenant, hook)] == ["retrying"]

        assert services.events.fan_out(Event.of_message(json.loads(message["Body"]))) == []
        assert webhook_worker.drain() == 1
        assert len(site.received) == 2
    (delivery,) = deliveries(client, tenant, hook)
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]


class RefusingQueue:
    """The webhook queue as a fan-out sees it when it stops after writing the deliveries."""

    def send(self, message: dict[str, Any], *, delay_seconds: int = 0) -> None:
        raise DependencyUnavailableError("the work queue is unavailable")

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        raise DependencyUnavailableError("the work queue is unavailable")


def test_a_fan_out_that_stopped_before_sending_is_finished_by_the_next_receive(
    client: TestClient,
    services: Services,
    webhook_worker: WebhookWorker,
    sites: list[Receiver],
    clock: FakeClock,
) -> None:
    tenant, hooks = subscribed(client, sites)
    bot_id = make_bot(client, tenant)
    webhook_worker.drain()
    chat(client, tenant, bot_id)
    message = one_publish_message(webhook_worker)
    repository = DynamoWebhookRepository(DynamoTables(dynamo_config(services.settings)))
    broken = EventPublisher(webhooks=repository, queue=RefusingQueue(), clock=clock)
    with pytest.raises(DependencyUnavailableError):
        broken.fan_out(Event.of_message(json.loads(message["Body"])))
    assert all(d["status"] == "pending" for hook in hooks for d in deliveries(client, tenant, hook))

    assert webhook_worker.invoke([message]) == {"batchItemFailures": []}  # SQS gives it again
    webhook_worker.delete([message])
    assert webhook_worker.drain() == HOOKS
    for hook, site in zip(hooks, sites, strict=True):
        assert len(site.received) == 1, hook["id"]
        assert [d["status"] for d in deliveries(client, tenant, hook)] == ["delivered"]


def test_a_webhook_created_in_another_instance_gets_the_next_event(
    client: TestClient,
    services: Services,
    webhook_worker: WebhookWorker,
    aws_endpoint: str,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with receiver() as first, receiver() as late:
        subscribe(client, tenant, first.url, ["chat.message"])
        chat(client, tenant, bot_id)
        webhook_worker.drain()
        assert len(first.received) == 1

        with TestClient(create_app(other_wiring(services, aws_endpoint, aws_env, tmp_path))) as elsewhere:
            hook = subscribe(elsewhere, tenant, late.url, ["chat.message"])
        chat_id = chat(client, tenant, bot_id)
        webhook_worker.drain()
        assert len(first.received) == 2
        (got,) = late.received
    assert check_signed(hook, got)["data"]["chat_id"] == chat_id
