"""Webhooks over SQS: signed deliveries for ingest and chat events, retries with backoff, DLQ, redelivery."""

import hashlib
import hmac
import json
from typing import Any

from fastapi.testclient import TestClient

from minirag.domain.webhooks import verify
from tests.support.api import TenantCtx, add_user, bearer, signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.receiver import receiver
from tests.support.worker import IngestWorker, WebhookWorker


def subscribe(client: TestClient, tenant: TenantCtx, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def original_receiver_accepts(secret: str, headers: Any, raw_body: bytes) -> bool:
    """The check a receiver written for the original MiniRAG runs: hex HMAC-SHA256(secret, raw body)."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-minirag-signature"])


def check_signed(hook: dict[str, Any], delivery: Any) -> dict[str, Any]:
    ts = int(delivery.headers["x-minirag-timestamp"])
    sent = delivery.headers["x-minirag-signature-v2"]
    assert verify(hook["secret"], ts, delivery.body, sent, now=ts + 1)
    assert not verify(hook["secret"], ts, delivery.body, sent, now=ts + 301), (
        "older than the 5-minute tolerance"
    )
    assert not verify("whsec_wrong", ts, delivery.body, sent, now=ts)
    assert original_receiver_accepts(hook["secret"], delivery.headers, delivery.body.encode())
    assert not original_receiver_accepts("whsec_wrong", delivery.headers, delivery.body.encode())
    envelope: dict[str, Any] = json.loads(delivery.body)
    assert envelope["type"] == envelope["event"] == delivery.headers["x-minirag-event"]
    assert set(envelope) == {"id", "type", "created_at", "tenant_id", "data", "event", *envelope["data"]}
    assert all(envelope[k] == v for k, v in envelope["data"].items()), "the original's flat payload"
    return envelope


def test_crud_and_the_secret_shown_once(client: TestClient) -> None:
    tenant = signup(client)
    hook = subscribe(client, tenant, "http://127.0.0.1:9/hooks", ["chat.message"])
    assert hook["secret"].startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=tenant.headers).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    patched = client.patch(
        f"/v1/webhooks/{hook['id']}",
        json={"events": ["source.failed", "chat.message", "source.failed"], "is_active": False},
        headers=tenant.headers,
    ).json()
    assert patched["events"] == ["source.failed", "chat.message"] and patched["is_active"] is False
    for bad in (
        {"url": "http://169.254.169.254/", "events": ["chat.message"]},
        {"url": "ftp://x.example/h", "events": ["chat.message"]},
        {"url": "http://127.0.0.1:9/h", "events": ["nope"]},
    ):
        assert client.post("/v1/webhooks", json=bad, headers=tenant.headers).status_code == 422, bad
    _, member = add_user(client, tenant, "member")
    assert client.get("/v1/webhooks", headers=bearer(member)).status_code == 403
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=tenant.headers).status_code == 204
    assert client.get(f"/v1/webhooks/{hook['id']}", headers=tenant.headers).status_code == 404


def test_ingest_and_chat_events_are_delivered_signed(
    client: TestClient, worker: IngestWorker, webhook_worker: WebhookWorker
) -> None:
    tenant = signup(client)
    with receiver() as site:
        hook = subscribe(client, tenant, site.url, ["source.ingested", "source.failed", "chat.message"])
        bot_id = make_bot(client, tenant)
        source_id = add_text(client, tenant, bot_id, HANDBOOK)
        ingest(client, worker, tenant, source_id)
        client.post(
            "/v1/chat", json={"bot_profile_id": bot_id, "message": "Holidays?"}, headers=tenant.headers
        )
        body = {"bot_profile_id": bot_id, "message": "Expenses?", "stream": True}
        with client.stream("POST", "/v1/chat", json=body, headers=tenant.headers) as streamed:
            "".join(streamed.iter_text())
        webhook_worker.drain()
        envelopes = [check_signed(hook, d) for d in site.received]
    by_type = {e["type"]: e for e in envelopes}
    assert sorted(e["type"] for e in envelopes) == ["chat.message", "chat.message", "source.ingested"]
    ingested = by_type["source.ingested"]["data"]
    assert (
        ingested["source_id"] == source_id
        and ingested["chunk_count"] >= 1
        and ingested["document_count"] == 1
    )
    assert by_type["chat.message"]["data"]["bot_profile_id"] == bot_id
    assert all(e["tenant_id"] == tenant.id for e in envelopes)


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    client: TestClient, webhook_worker: WebhookWorker
) -> None:
    tenant = signup(client)
    with receiver() as site:
        site.statuses = [500, 500]
        hook = subscribe(client, tenant, site.url, ["chat.message"])
        bot_id = make_bot(client, tenant)
        client.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hello"}, headers=tenant.headers)
        webhook_worker.drain()
        assert len(site.received) == 3
        assert len({d.headers["x-minirag-delivery"] for d in site.received}) == 1, (
            "the same delivery, retried"
        )
    (delivery,) = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers).json()["items"]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]


def dead_letters(webhook_worker: WebhookWorker, dlq: str) -> set[str]:
    """Delivery ids in the DLQ. The queue is the session's, so other tests' dead deliveries sit there too:
    read it all (each receive hides what it returned), not just the first ten."""
    found: set[str] = set()
    for _ in range(50):
        batch = webhook_worker.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        found |= {json.loads(m["Body"]).get("delivery_id") for m in batch}
    return found


def test_a_dead_receiver_ends_in_the_dlq_with_every_attempt_listed(
    client: TestClient, webhook_worker: WebhookWorker, services: Any
) -> None:
    tenant = signup(client)
    with receiver() as site:
        site.default = 503
        hook = subscribe(client, tenant, site.url, ["chat.message"])
        bot_id = make_bot(client, tenant)
        client.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hello"}, headers=tenant.headers)
        webhook_worker.drain(max_rounds=60)
        assert len(site.received) == 8
        (delivery,) = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers).json()[
            "items"
        ]
        assert delivery["status"] == "dead" and len(delivery["attempts"]) == 8
        assert all(a["status_code"] == 503 and a["error"] == "HTTP 503" for a in delivery["attempts"])
        dlq = webhook_worker.sqs.get_queue_url(
            QueueName=services.settings.webhook_queue_url.rsplit("/", 1)[1].replace(
                "WebhookQueue", "WebhookDLQ"
            )
        )["QueueUrl"]
        assert delivery["id"] in dead_letters(webhook_worker, dlq)

        site.default = 200
        url = f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver"
        assert client.post(url, headers=tenant.headers).status_code == 202
        webhook_worker.drain()
    (again,) = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=tenant.headers).json()["items"]
    assert again["status"] == "delivered" and len(again["attempts"]) == 9


def test_test_ping_and_unsubscribed_or_inactive_hooks(
    client: TestClient, webhook_worker: WebhookWorker
) -> None:
    tenant = signup(client)
    with receiver() as site:
        hook = subscribe(client, tenant, site.url, ["source.failed"])
        result = client.post(f"/v1/webhooks/{hook['id']}/test", headers=tenant.headers).json()
        assert result["success"] is True and result["status_code"] == 200
        assert check_signed(hook, site.received[0])["data"] == {"webhook_id": hook["id"]}
        bot_id = make_bot(client, tenant)
        client.post("/v1/chat", json={"bot_profile_id": bot_id, "message": "hello"}, headers=tenant.headers)
        webhook_worker.drain()
        assert len(site.received) == 1, "chat.message is not subscribed"
    dead = client.post(f"/v1/webhooks/{hook['id']}/test", headers=tenant.headers).json()
    assert dead["success"] is False and dead["status_code"] is None


def test_the_original_minirags_webhook_shapes_and_receiver_keep_working(client: TestClient) -> None:
    """Its create body (a short secret of the user's, no events yet), its read model (has_secret), its test
    ping answer ({success, status_code}) and a receiver that checks X-MiniRAG-Signature over the raw body."""
    tenant = signup(client)
    with receiver() as site:
        body = {"url": site.url, "events": [], "secret": "s3cret", "description": "crm"}
        created = client.post("/v1/webhooks", json=body, headers=tenant.headers)
        assert created.status_code == 201, created.text
        hook = created.json()
        assert hook["secret"] == "s3cret" and hook["has_secret"] is True and hook["events"] == []
        read = client.get(f"/v1/webhooks/{hook['id']}", headers=tenant.headers).json()
        assert read["has_secret"] is True and "secret" not in read and read["description"] == "crm"
        ping = client.post(f"/v1/webhooks/{hook['id']}/test", headers=tenant.headers).json()
        assert ping["success"] is True and ping["status_code"] == 200 and ping["delivery_id"]
        (delivery,) = site.received
    assert delivery.headers["x-minirag-event"] == "test.ping"
    assert original_receiver_accepts("s3cret", delivery.headers, delivery.body.encode())
    payload = json.loads(delivery.body)
    assert payload["event"] == "test.ping" and payload["webhook_id"] == hook["id"], "the original's ping body"
    assert payload["data"] == {"webhook_id": hook["id"]} and payload["type"] == "test.ping"
    generated = client.post("/v1/webhooks", json={**body, "secret": ""}, headers=tenant.headers).json()
    assert generated["secret"].startswith("whsec_"), "an empty secret is generated, as in the original"
