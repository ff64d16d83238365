"""Export, feedback and analytics, checked against numbers seeded through the API."""

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup
from tests.support.clock import FakeClock
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

BOM = b"\xef\xbb\xbf"
# The original MiniRAG's ChatRead and MessageRead: an export carries at least these.
ORIGINAL_CHAT_FIELDS = {
    "id",
    "tenant_id",
    "bot_profile_id",
    "title",
    "message_count",
    "total_prompt_tokens",
    "total_completion_tokens",
    "created_at",
    "updated_at",
}
ORIGINAL_MESSAGE_FIELDS = {
    "id",
    "chat_id",
    "role",
    "content",
    "prompt_tokens",
    "completion_tokens",
    "feedback",
    "created_at",
}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply="You get 27 days [1].") as server:
        yield server


def seed(client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> tuple[TenantCtx, dict[str, Any]]:
    tenant = signup(client)
    priced = make_bot(
        client,
        tenant,
        name="Priced",
        model="openai/gpt-4o-mini",
        credentials={"api_key": "k", "api_base": fake.base_url},
    )
    offline = make_bot(client, tenant, name="Offline")
    ingest(client, worker, tenant, add_text(client, tenant, priced, HANDBOOK))
    answers = []
    for bot, text in ((priced, "Holidays?"), (priced, '=HYPERLINK("http://evil")'), (offline, "Expenses?")):
        response = client.post(
            "/v1/chat", json={"bot_profile_id": bot, "message": text}, headers=tenant.headers
        )
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return tenant, {"priced": priced, "offline": offline, "answers": answers}


def test_stats_match_the_seeded_usage_exactly(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    tenant, seeded = seed(client, worker, fake)
    answers = seeded["answers"]
    get = lambda path, **p: client.get(f"/v1/stats/{path}", params=p, headers=tenant.headers).json()  # noqa: E731

    overview = get("overview")
    prompt = sum(a["usage"]["prompt_tokens"] for a in answers)
    completion = sum(a["usage"]["completion_tokens"] for a in answers)
    assert overview["bot_profiles"] == 2 and overview["sources"] == 1 and overview["chats"] == 3
    assert overview["messages"] == 6 and overview["total_prompt_tokens"] == prompt
    assert overview["total_completion_tokens"] == completion and overview["embedding_tokens"] > 0

    usage = get("usage")
    assert sum(r["request_count"] for r in usage) == 3 and sum(r["prompt_tokens"] for r in usage) == prompt
    by_model = {m["model"]: m for m in get("usage/by-model")}
    assert set(by_model) == {"openai/gpt-4o-mini", "minirag/offline-extractive"}
    priced_cost = sum(a["usage"]["cost_usd"] for a in answers[:2])
    assert by_model["openai/gpt-4o-mini"]["cost_usd"] == pytest.approx(priced_cost)
    assert (
        by_model["openai/gpt-4o-mini"]["request_count"] == 2
        and by_model["openai/gpt-4o-mini"]["prompt_cost_per_1m"] > 0
    )
    assert by_model["minirag/offline-extractive"]["cost_usd"] == 0
    by_bot = {b["bot_name"]: b for b in get("usage/by-bot")}
    assert by_bot["Priced"]["request_count"] == 2 and by_bot["Offline"]["request_count"] == 1
    estimate = get("cost-estimate")
    assert estimate["total_cost_usd"] == pytest.approx(priced_cost) and estimate["active_days"] == 1
    assert estimate["projected_monthly_usd"] == pytest.approx(priced_cost * 30)
    everything = get("pricing")
    assert everything["default"] == {"prompt_cost_per_1m": 0.0, "completion_cost_per_1m": 0.0}
    assert everything["models"]["gpt-4o"]["prompt_cost_per_1m"] > 0, "common models beside the tenant's"
    pricing = everything["models"]
    assert pricing["minirag/offline-extractive"] == {"prompt_cost_per_1m": 0.0, "completion_cost_per_1m": 0.0}
    assert pricing["openai/gpt-4o-mini"]["prompt_cost_per_1m"] > 0


def test_feedback_counts_and_trend(client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> None:
    tenant, seeded = seed(client, worker, fake)
    a1, a2, a3 = seeded["answers"]
    url = lambda a: f"/v1/chat/{a['chat_id']}/messages/{a['message']['id']}/feedback"  # noqa: E731
    client.patch(url(a1), json={"feedback": "positive"}, headers=tenant.headers)
    client.patch(url(a2), json={"feedback": "positive"}, headers=tenant.headers)
    client.patch(url(a2), json={"feedback": "negative", "comment": "wrong"}, headers=tenant.headers)
    client.patch(url(a3), json={"feedback": "negative"}, headers=tenant.headers)
    client.patch(url(a3), json={"feedback": None}, headers=tenant.headers)
    stats = client.get("/v1/stats/feedback", headers=tenant.headers).json()
    assert (stats["total_messages"], stats["total_with_feedback"]) == (3, 2)
    assert (stats["positive_count"], stats["negative_count"]) == (1, 1)
    assert stats["feedback_rate"] == 66.67, "a percentage with two decimals, as the original's"
    only = client.get(
        "/v1/stats/feedback", params={"bot_profile_id": seeded["offline"]}, headers=tenant.headers
    ).json()
    assert (only["total_messages"], only["positive_count"], only["negative_count"]) == (1, 0, 0)
    (day,) = client.get("/v1/stats/feedback/trend", headers=tenant.headers).json()
    assert (day["positive_count"], day["negative_count"], day["total_messages"]) == (1, 1, 3)


def test_export_json_csv_and_filters(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI, clock: FakeClock
) -> None:
    tenant, seeded = seed(client, worker, fake)
    exported = client.get("/v1/chat/export", headers=tenant.headers)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert set(exported.json()) == {"chats", "exported_at"}
    chats = exported.json()["chats"]
    assert [c["chat"]["id"] for c in chats] == [a["chat_id"] for a in reversed(seeded["answers"])], (
        "newest first, as the original"
    )
    assert [m["role"] for m in chats[-1]["messages"]] == ["user", "assistant"]
    assert chats[-1]["messages"][1]["sources"][0]["n"] == 1
    assert (
        set(chats[0]["chat"]) >= ORIGINAL_CHAT_FIELDS
        and set(chats[0]["messages"][0]) >= ORIGINAL_MESSAGE_FIELDS
    )
    newest = client.get("/v1/chat/export", params={"limit": 2}, headers=tenant.headers).json()["chats"]
    assert [c["chat"]["id"] for c in newest] == [c["chat"]["id"] for c in chats[:2]], "the original's limit"

    bulk_csv = client.get("/v1/chat/export", params={"format": "csv"}, headers=tenant.headers)
    assert (
        not bulk_csv.content.startswith(BOM) and "chats_export.csv" in bulk_csv.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(bulk_csv.content.decode("utf-8"))))
    assert list(rows[0]) == [
        "chat_id",
        "chat_title",
        "message_id",
        "role",
        "content",
        "feedback",
        "prompt_tokens",
        "completion_tokens",
        "created_at",
    ]
    assert len(rows) == 6
    formula = next(r for r in rows if "HYPERLINK" in r["content"])
    assert formula["content"].startswith("'=") and formula["chat_title"].startswith("'=")

    only_offline = client.get(
        "/v1/chat/export", params={"bot_profile_id": seeded["offline"]}, headers=tenant.headers
    )
    assert [c["chat"]["bot_profile_id"] for c in only_offline.json()["chats"]] == [seeded["offline"]]
    today = clock.now().date()
    future = {"from_date": str(today + timedelta(days=1))}
    assert client.get("/v1/chat/export", params=future, headers=tenant.headers).json()["chats"] == []
    window = {"from_date": str(today), "to_date": str(today)}
    assert len(client.get("/v1/chat/export", params=window, headers=tenant.headers).json()["chats"]) == 3
    bad = {"from_date": str(today), "to_date": str(today - timedelta(days=1))}
    assert client.get("/v1/chat/export", params=bad, headers=tenant.headers).status_code == 422
    other = client.get("/v1/chat/export", params={"format": "xml"}, headers=tenant.headers)
    assert other.status_code == 200 and other.json()["chats"], "any format but csv is JSON, as the original"
    stranger = signup(client)
    assert (
        client.get(f"/v1/chat/{seeded['answers'][0]['chat_id']}/export", headers=stranger.headers).status_code
        == 404
    )
    assert client.get("/v1/chat/export", headers=stranger.headers).json()["chats"] == []


def test_one_chat_exports_in_the_original_shape(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI
) -> None:
    """`{chat, messages, exported_at}` and a CSV of the original's seven columns, without a byte-order mark."""
    tenant, seeded = seed(client, worker, fake)
    answer = seeded["answers"][0]
    path = f"/v1/chat/{answer['chat_id']}/export"
    exported = client.get(path, headers=tenant.headers).json()
    assert set(exported) == {"chat", "messages", "exported_at"}
    assert exported["chat"]["id"] == answer["chat_id"] and set(exported["chat"]) >= ORIGINAL_CHAT_FIELDS
    assert exported["chat"]["tenant_id"] == tenant.id and exported["chat"]["total_completion_tokens"] > 0
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"]
    assert all(set(m) >= ORIGINAL_MESSAGE_FIELDS for m in exported["messages"])
    assert exported["messages"][1]["id"] == answer["message"]["id"]
    one = client.get(path, params={"format": "csv"}, headers=tenant.headers)
    assert one.status_code == 200 and not one.content.startswith(BOM)
    assert f"chat_{answer['chat_id']}.csv" in one.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(one.content.decode("utf-8"))))
    assert rows[0] == [
        "message_id",
        "role",
        "content",
        "feedback",
        "prompt_tokens",
        "completion_tokens",
        "created_at",
    ]
    assert [r[1] for r in rows[1:]] == ["user", "assistant"] and rows[2][0] == answer["message"]["id"]
    assert rows[2][2] == answer["message"]["content"]


def test_large_exports_go_to_s3_behind_a_presigned_link(
    client: TestClient,
    worker: IngestWorker,
    fake: FakeOpenAI,
    services: Services,
    aws_endpoint: str,
    aws_env: dict[str, str],
    clock: FakeClock,
) -> None:
    tenant, _ = seed(client, worker, fake)
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        export_inline_bytes=200,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    with TestClient(create_app(build_services(settings, clock=clock)), follow_redirects=False) as small:
        response = small.get("/v1/chat/export", headers=tenant.headers)
    assert response.status_code == 303
    link = response.headers["location"]
    assert link == response.json()["download_url"]
    downloaded = httpx.get(link)
    assert downloaded.status_code == 200 and len(downloaded.json()["chats"]) == 3
