"""GET /v1/bot-profiles/{id}/model-check: what a chat would refuse as misconfigured, asked at save time;
and the defaults a bot's blank fields stand for, in the detailed health."""

import pytest
from fastapi.testclient import TestClient

from tests.support.api import signup
from tests.support.knowledge import make_bot


def test_a_model_without_a_key_is_named_with_the_variable_to_set(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    tenant = signup(client)
    keyless = make_bot(client, tenant, model="openai/gpt-4o-mini")
    check = client.get(f"/v1/bot-profiles/{keyless}/model-check", headers=tenant.headers).json()
    assert check["ready"] is False and "OPENAI_API_KEY" in check["problem"]

    chats_before = client.get("/v1/chat", headers=tenant.headers).json()
    assert chats_before == [], "the check stores no chat"
    with_key = {"credentials": {"api_key": "sk-test"}}
    client.patch(f"/v1/bot-profiles/{keyless}", json=with_key, headers=tenant.headers)
    check = client.get(f"/v1/bot-profiles/{keyless}/model-check", headers=tenant.headers).json()
    assert check == {"ready": True, "problem": None}


def test_the_offline_model_is_ready(client: TestClient) -> None:
    tenant = signup(client)
    offline = make_bot(client, tenant)
    check = client.get(f"/v1/bot-profiles/{offline}/model-check", headers=tenant.headers).json()
    assert check == {"ready": True, "problem": None}


def test_detailed_health_says_what_blank_bot_fields_mean(client: TestClient) -> None:
    tenant = signup(client)
    detailed = client.get("/v1/system/health/detailed", headers=tenant.headers).json()
    created = client.post("/v1/bot-profiles", json={"name": "Plain"}, headers=tenant.headers).json()
    defaults = detailed["bot_defaults"]
    for field in ("model", "embedding_model", "temperature", "max_tokens", "top_k"):
        assert defaults[field] == created[field]
    assert defaults["chunk_size"] > defaults["chunk_overlap"] >= 0
    assert created["chunk_size"] is None and created["chunk_overlap"] is None
