"""Bot profiles: CRUD, defaults, sealed write-only credentials, role rules."""

from fastapi.testclient import TestClient

from minirag.bootstrap import Services
from tests.support.api import add_user, bearer, signup
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.worker import IngestWorker


def test_create_with_defaults_and_read_back(client: TestClient) -> None:
    tenant = signup(client)
    created = client.post("/v1/bot-profiles", json={"name": "Helper"}, headers=tenant.headers)
    assert created.status_code == 201
    bot = created.json()
    assert bot["model"] == "minirag/offline-extractive"
    assert bot["embedding_model"] == "offline/all-minilm-l6-v2"
    assert bot["top_k"] == 5 and bot["has_credentials"] is False and bot["is_active"] is True
    assert client.get(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).json() == bot
    assert client.get("/v1/bot-profiles", headers=tenant.headers).json() == [bot]


def test_credentials_are_sealed_write_only_and_clearable(client: TestClient, services: Services) -> None:
    tenant = signup(client)
    body = {
        "name": "Claude",
        "model": "anthropic/claude-sonnet-4",
        "embedding_model": "openai/text-embedding-3-small",
        "credentials": {"api_key": "sk-ant-secret", "embedding_api_key": "sk-openai-secret"},
    }
    bot = client.post("/v1/bot-profiles", json=body, headers=tenant.headers).json()
    assert bot["has_credentials"] is True
    assert "sk-ant-secret" not in str(bot) and "credentials" not in bot
    stored = services.bots.get(_principal(services, tenant.token), bot["id"])
    assert stored.credentials_sealed and "sk-ant-secret" not in stored.credentials_sealed
    creds = services.bots.credentials(stored)
    assert creds.api_key == "sk-ant-secret" and creds.embedding_api_key == "sk-openai-secret"

    renamed = client.patch(
        f"/v1/bot-profiles/{bot['id']}", json={"name": "C2"}, headers=tenant.headers
    ).json()
    assert renamed["has_credentials"] is True, "a patch without credentials keeps them"
    cleared = client.patch(f"/v1/bot-profiles/{bot['id']}", json={"credentials": {}}, headers=tenant.headers)
    assert cleared.json()["has_credentials"] is False


def test_patch_validates_and_changes_only_what_is_sent(client: TestClient) -> None:
    tenant = signup(client)
    bot = client.post(
        "/v1/bot-profiles", json={"name": "B", "temperature": 0.7}, headers=tenant.headers
    ).json()
    patched = client.patch(
        f"/v1/bot-profiles/{bot['id']}",
        json={"top_k": 8, "system_prompt": "Be brief."},
        headers=tenant.headers,
    ).json()
    assert patched["top_k"] == 8 and patched["system_prompt"] == "Be brief." and patched["temperature"] == 0.7
    for bad in (
        {"temperature": 3},
        {"top_k": 0},
        {"max_tokens": 200_000},
        {"name": ""},
        {"is_active": "maybe"},
    ):
        response = client.patch(f"/v1/bot-profiles/{bot['id']}", json=bad, headers=tenant.headers)
        assert response.status_code == 422, bad


def test_delete_deactivates_and_patch_reactivates(client: TestClient) -> None:
    """The original's semantics: a deleted bot is listed with is_active false, and PATCH is_active true
    brings it back."""
    tenant = signup(client)
    bot = client.post("/v1/bot-profiles", json={"name": "Gone"}, headers=tenant.headers).json()
    assert client.delete(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).status_code == 204
    listed = client.get("/v1/bot-profiles", headers=tenant.headers).json()
    assert [(b["id"], b["is_active"]) for b in listed] == [(bot["id"], False)]
    assert (
        client.get("/v1/bot-profiles", params={"include_inactive": False}, headers=tenant.headers).json()
        == []
    )
    assert client.get(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).json()["is_active"] is False
    assert client.delete(f"/v1/bot-profiles/{bot['id']}", headers=tenant.headers).status_code == 204
    assert client.get("/v1/stats/overview", headers=tenant.headers).json()["bot_profiles"] == 0
    back = client.patch(f"/v1/bot-profiles/{bot['id']}", json={"is_active": True}, headers=tenant.headers)
    assert back.status_code == 200 and back.json()["is_active"] is True
    assert client.get("/v1/stats/overview", headers=tenant.headers).json()["bot_profiles"] == 1
    assert client.delete("/v1/bot-profiles/nope", headers=tenant.headers).status_code == 404


def test_members_read_but_do_not_manage_bots(client: TestClient) -> None:
    tenant = signup(client)
    _, member = add_user(client, tenant, "member")
    bot = client.post("/v1/bot-profiles", json={"name": "B"}, headers=tenant.headers).json()
    assert client.get("/v1/bot-profiles", headers=bearer(member)).status_code == 200
    assert client.post("/v1/bot-profiles", json={"name": "M"}, headers=bearer(member)).status_code == 403
    assert (
        client.patch(f"/v1/bot-profiles/{bot['id']}", json={"name": "M"}, headers=bearer(member)).status_code
        == 403
    )
    assert client.delete(f"/v1/bot-profiles/{bot['id']}", headers=bearer(member)).status_code == 403


def _principal(services: Services, token: str):  # type: ignore[no-untyped-def]
    return services.auth.authenticate(token)


def test_a_bot_chooses_its_retrieval_mode(client: TestClient, worker: IngestWorker) -> None:
    """Sparse needs a shared term, dense does not: the bot's mode decides what a reworded question finds."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant, retrieval_mode="sparse")
    source_id = add_text(
        client, tenant, bot_id, "Employees receive twenty-seven days of paid vacation annually."
    )
    ingest(client, worker, tenant, source_id)
    ask = {"bot_profile_id": bot_id, "message": "What holiday allowance is there?"}

    def cited() -> list[str]:
        response = client.post("/v1/chat", json=ask, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [s["source_id"] for s in response.json()["sources"]]

    assert cited() == []
    for mode in ("dense", "hybrid"):
        changed = client.patch(
            f"/v1/bot-profiles/{bot_id}", json={"retrieval_mode": mode}, headers=tenant.headers
        )
        assert changed.status_code == 200 and changed.json()["retrieval_mode"] == mode
        assert cited() == [source_id], mode
    reset = client.patch(f"/v1/bot-profiles/{bot_id}", json={"retrieval_mode": None}, headers=tenant.headers)
    assert reset.json()["retrieval_mode"] is None and cited() == [source_id]  # the default: hybrid
    bad = client.patch(f"/v1/bot-profiles/{bot_id}", json={"retrieval_mode": "bm25"}, headers=tenant.headers)
    assert bad.status_code == 422
