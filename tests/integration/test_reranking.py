"""A bot's rerank model, end to end: POST /v1/chat, LiteLLM's rerank call, a Cohere-protocol fake on 127.0.0.1."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from tests.conftest import make_settings
from tests.support.api import TenantCtx, signup
from tests.support.fake_rerank import FakeRerank, fake_rerank
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.worker import IngestWorker

RERANKER = "cohere/rerank-english-v3.0"
SECTIONS = {
    "Holidays": "Every employee gets 27 days of paid holiday a year. Holidays carry over until March.",
    "Expenses": "Submit receipts within 30 days. Travel is reimbursed at cost, holidays excluded.",
    "Security": "Laptops use full-disk encryption. Report a lost laptop, even on holidays, within an hour.",
}


@pytest.fixture
def fake() -> Iterator[FakeRerank]:
    with fake_rerank(api_key="rk-bot-key", favour=["laptop"]) as server:
        yield server


def settings_client(
    services: Services, aws_endpoint: str, aws_env: dict[str, str], **extra: Any
) -> TestClient:
    """Same table and keys as the shared client, other settings."""
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
        **extra,
    )
    return TestClient(create_app(build_services(settings, clock=services.clock)))


def knowledge(client: TestClient, worker: IngestWorker, tenant: TenantCtx, **bot: Any) -> str:
    bot_id = make_bot(client, tenant, top_k=3, **bot)
    for name, text in SECTIONS.items():
        ingest(client, worker, tenant, add_text(client, tenant, bot_id, text, name=name))
    return bot_id


def reranked(fake: FakeRerank, **credentials: str) -> dict[str, Any]:
    keys = credentials or {"rerank_api_key": "rk-bot-key", "rerank_api_base": fake.url}
    return {"rerank_model": RERANKER, "credentials": keys}


def cited(client: TestClient, tenant: TenantCtx, bot_id: str) -> list[tuple[str, float]]:
    body = {"bot_profile_id": bot_id, "message": "How many holidays do I get?"}
    response = client.post("/v1/chat", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return [(s["source_name"], s["score"]) for s in response.json()["sources"]]


def test_the_rerankers_order_is_the_answers_order(
    client: TestClient, worker: IngestWorker, fake: FakeRerank
) -> None:
    tenant = signup(client)
    plain = cited(client, tenant, knowledge(client, worker, tenant))
    bot_id = knowledge(client, worker, tenant, **reranked(fake))
    assert plain[0][0] == "Holidays" and [name for name, _ in plain] != ["Security", "Holidays", "Expenses"]
    fake.favour = ["laptop", "receipts"]
    assert cited(client, tenant, bot_id) == [("Security", 0.99), ("Expenses", 0.95), ("Holidays", 0.91)]
    sent = fake.received[-1]
    assert sent.path == "/v2/rerank" and sent.headers["authorization"] == "Bearer rk-bot-key"
    assert sent.json["model"] == "rerank-english-v3.0" and sent.json["top_n"] == 3
    assert sent.json["query"] == "How many holidays do I get?" and len(sent.json["documents"]) == 3
    assert any("27 days" in doc for doc in sent.json["documents"])


def test_the_bot_setting_is_stored_shown_and_cleared(client: TestClient, fake: FakeRerank) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, **reranked(fake))
    shown = client.get(f"/v1/bot-profiles/{bot_id}", headers=tenant.headers).json()
    assert shown["rerank_model"] == RERANKER and shown["has_credentials"] is True
    assert "rk-bot-key" not in str(shown)
    cleared = client.patch(f"/v1/bot-profiles/{bot_id}", json={"rerank_model": None}, headers=tenant.headers)
    assert cleared.status_code == 200 and cleared.json()["rerank_model"] is None
    blank = client.patch(f"/v1/bot-profiles/{bot_id}", json={"rerank_model": " "}, headers=tenant.headers)
    assert blank.status_code == 422
    built_in = {"rerank_model": "minirag/offline-rerank"}
    refused = client.patch(f"/v1/bot-profiles/{bot_id}", json=built_in, headers=tenant.headers)
    assert refused.status_code == 422 and "no built-in reranker" in refused.json()["detail"]


@pytest.mark.parametrize("mode", ["error", "garbage", "out_of_range"])
def test_a_failing_reranker_keeps_the_fused_order(
    client: TestClient, worker: IngestWorker, fake: FakeRerank, mode: Any
) -> None:
    tenant = signup(client)
    plain = cited(client, tenant, knowledge(client, worker, tenant))
    bot_id = knowledge(client, worker, tenant, **reranked(fake))
    fake.mode = mode
    assert cited(client, tenant, bot_id) == plain
    assert fake.received, "the reranker was asked"


def test_a_wrong_key_or_a_silent_reranker_costs_nothing_but_its_deadline(
    client: TestClient,
    services: Services,
    worker: IngestWorker,
    fake: FakeRerank,
    aws_endpoint: str,
    aws_env: dict[str, str],
) -> None:
    tenant = signup(client)
    plain_bot = knowledge(client, worker, tenant)
    plain = cited(client, tenant, plain_bot)
    wrong_key = knowledge(
        client, worker, tenant, **reranked(fake, rerank_api_key="nope", rerank_api_base=fake.url)
    )
    assert cited(client, tenant, wrong_key) == plain
    assert fake.received[-1].headers["authorization"] == "Bearer nope"
    bot_id = knowledge(client, worker, tenant, **reranked(fake))
    fake.mode, fake.delay_s = "slow", 60.0
    with settings_client(services, aws_endpoint, aws_env, rerank_timeout_seconds=0.5) as quick:
        assert cited(quick, tenant, plain_bot) == plain  # models loaded: the next turn's time is its own
        started = time.monotonic()
        assert cited(quick, tenant, bot_id) == plain
        assert time.monotonic() - started < 30  # the reranker would have answered after 60 s


def test_a_private_rerank_endpoint_is_refused_like_a_chat_models(
    client: TestClient,
    services: Services,
    worker: IngestWorker,
    fake: FakeRerank,
    aws_endpoint: str,
    aws_env: dict[str, str],
) -> None:
    tenant = signup(client)
    plain = cited(client, tenant, knowledge(client, worker, tenant))
    stored = knowledge(client, worker, tenant, **reranked(fake))  # saved while private URLs were allowed
    with settings_client(services, aws_endpoint, aws_env, allow_private_urls=False) as strict:
        body = {"name": "b", **reranked(fake)}
        refused = strict.post("/v1/bot-profiles", json=body, headers=tenant.headers)
        assert refused.status_code == 422 and "rerank endpoint is not allowed" in refused.json()["detail"]
        local = strict.post(
            "/v1/bot-profiles",
            json={"name": "b", "rerank_model": "ollama/bge-reranker"},
            headers=tenant.headers,
        )
        assert local.status_code == 422, local.text
        assert cited(strict, tenant, stored) == plain  # checked again at call time: nothing sent
    assert fake.received == []
