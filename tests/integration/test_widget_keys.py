"""Widget keys: public, bound to one bot and its origins; everything else they try is refused."""

from pathlib import Path

from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings
from tests.support.api import TenantCtx, add_user, bearer, signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

SITE = "https://shop.example.com"


def widget(key: str, origin: str | None = SITE) -> dict[str, str]:
    headers = bearer(key)
    if origin:
        headers["Origin"] = origin
    return headers


def make_key(client: TestClient, tenant: TenantCtx, bot_id: str, **fields: object) -> dict:  # type: ignore[type-arg]
    body = {"name": "Shop", "allowed_origins": [SITE, "http://localhost:3000/"], **fields}
    response = client.post(f"/v1/bot-profiles/{bot_id}/widget-keys", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_list_and_revoke(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    key = make_key(client, tenant, bot_id)
    assert key["key"].startswith("mrwk_") and key["key"].startswith(key["key_prefix"])
    assert key["allowed_origins"] == ["http://localhost:3000", SITE]
    listed = client.get(f"/v1/bot-profiles/{bot_id}/widget-keys", headers=tenant.headers).json()["items"]
    assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]
    assert (
        client.delete(
            f"/v1/bot-profiles/{bot_id}/widget-keys/{key['id']}", headers=tenant.headers
        ).status_code
        == 204
    )
    refused = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "hi"}, headers=widget(key["key"])
    )
    assert refused.status_code == 401
    bad = client.post(
        f"/v1/bot-profiles/{bot_id}/widget-keys",
        headers=tenant.headers,
        json={"name": "x", "allowed_origins": ["javascript:alert(1)"]},
    )
    assert bad.status_code == 422
    _, member = add_user(client, tenant, "member")
    assert client.get(f"/v1/bot-profiles/{bot_id}/widget-keys", headers=bearer(member)).status_code == 403


def test_widget_chats_with_its_bot_from_its_origins_only(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK))
    key = make_key(client, tenant, bot_id)["key"]
    ask = {"bot_profile_id": bot_id, "message": "How many days of holiday?"}
    answer = client.post("/v1/chat", json=ask, headers=widget(key))
    assert answer.status_code == 200 and "27 days" in answer.json()["message"]["content"]
    assert client.post("/v1/chat", json=ask, headers=widget(key, "https://evil.example")).status_code == 403
    assert client.post("/v1/chat", json=ask, headers=widget(key, None)).status_code == 403
    other_bot = make_bot(client, tenant)
    wrong_bot = client.post("/v1/chat", json={**ask, "bot_profile_id": other_bot}, headers=widget(key))
    assert wrong_bot.status_code == 403

    chat_id = answer.json()["chat_id"]
    own = client.get(f"/v1/chat/{chat_id}/messages", headers=widget(key))
    assert own.status_code == 200 and len(own.json()) == 2
    tenant_chat = client.post("/v1/chat", json=ask, headers=tenant.headers).json()["chat_id"]
    assert client.get(f"/v1/chat/{tenant_chat}/messages", headers=widget(key)).status_code == 404
    continue_foreign = client.post("/v1/chat", json={**ask, "chat_id": tenant_chat}, headers=widget(key))
    assert continue_foreign.status_code == 404


def test_widget_keys_reach_nothing_else(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    key = make_key(client, tenant, bot_id)["key"]
    for method, path in (
        ("GET", "/v1/bot-profiles"),
        ("GET", f"/v1/bot-profiles/{bot_id}"),
        ("GET", "/v1/sources"),
        ("GET", "/v1/chat"),
        ("GET", "/v1/tenants/me"),
        ("GET", "/v1/users"),
        ("POST", "/v1/api-tokens"),
        ("GET", f"/v1/bot-profiles/{bot_id}/widget-keys"),
    ):
        assert client.request(method, path, headers=widget(key), json={}).status_code == 403, path


def test_widget_feedback_on_its_own_answers(client: TestClient, worker: IngestWorker) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    key = make_key(client, tenant, bot_id)["key"]
    body = client.post(
        "/v1/chat", json={"bot_profile_id": bot_id, "message": "hello"}, headers=widget(key)
    ).json()
    chat_id, answer_id = body["chat_id"], body["message"]["id"]
    url = f"/v1/chat/{chat_id}/messages/{answer_id}/feedback"
    liked = client.patch(url, json={"feedback": "positive", "comment": "great"}, headers=widget(key))
    assert liked.status_code == 200 and liked.json()["feedback"] == "positive"
    stored = client.get(f"/v1/chat/{chat_id}/messages", headers=tenant.headers).json()
    assert stored[-1]["feedback"] == "positive"
    question_id = stored[0]["id"]
    on_question = client.patch(
        f"/v1/chat/{chat_id}/messages/{question_id}/feedback",
        json={"feedback": "negative"},
        headers=widget(key),
    )
    assert on_question.status_code == 422
    cleared = client.patch(url, json={"feedback": None}, headers=tenant.headers)
    assert cleared.json()["feedback"] is None
    assert client.patch(url, json={"feedback": "meh"}, headers=tenant.headers).status_code == 422


def test_per_key_limits(client: TestClient) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    per_minute = make_key(client, tenant, bot_id, rate_limit_per_minute=2)["key"]
    ask = {"bot_profile_id": bot_id, "message": "hi"}
    codes = [client.post("/v1/chat", json=ask, headers=widget(per_minute)).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    per_day = make_key(client, tenant, bot_id, max_messages_per_day=1)["key"]
    assert client.post("/v1/chat", json=ask, headers=widget(per_day)).status_code == 200
    limited = client.post("/v1/chat", json=ask, headers=widget(per_day))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_cors_answers_only_the_keys_origins(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    settings = make_settings(aws_endpoint, aws_env, tmp_path, cors_origins="https://dashboard.example")
    with TestClient(create_app(build_services(settings))) as client:
        tenant = signup(client)
        bot_id = make_bot(client, tenant)
        key = make_key(client, tenant, bot_id)["key"]
        preflight = client.options(
            "/v1/chat",
            headers={
                "Origin": SITE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == SITE
        ask = {"bot_profile_id": bot_id, "message": "hi"}
        allowed = client.post("/v1/chat", json=ask, headers=widget(key))
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == SITE
        foreign = client.post("/v1/chat", json=ask, headers=widget(key, "https://evil.example"))
        assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
        tenant_route = client.get("/v1/bot-profiles", headers={**tenant.headers, "Origin": SITE})
        assert "access-control-allow-origin" not in tenant_route.headers, (
            "other routes follow the dashboard list"
        )
        dashboard = client.get(
            "/v1/bot-profiles", headers={**tenant.headers, "Origin": "https://dashboard.example"}
        )
        assert dashboard.headers["access-control-allow-origin"] == "https://dashboard.example"
