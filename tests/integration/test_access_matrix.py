"""Every route of the OpenAPI spec, walked: who may call it, and what a foreign id gives.

New routes fail these tests until they are added to ROLE_TABLE and their ids to `ids_of_tenant`,
so isolation coverage grows with the API instead of being remembered by hand.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.api import TenantCtx, add_user, bearer, signup

PUBLIC = {
    ("GET", "/health"),
    ("GET", "/v1/system/health"),
    ("POST", "/v1/tenants"),
    ("POST", "/v1/auth/login"),
}

# (method, path) -> least role allowed. Mirrors the role table in the README.
ROLE_TABLE: dict[tuple[str, str], str] = {
    ("GET", "/v1/system/health/detailed"): "admin",
    ("GET", "/v1/tenants/me"): "member",
    ("GET", "/v1/auth/me"): "member",
    ("POST", "/v1/auth/logout"): "member",
    ("POST", "/v1/api-tokens"): "admin",
    ("GET", "/v1/api-tokens"): "admin",
    ("DELETE", "/v1/api-tokens/{token_id}"): "admin",
    ("POST", "/v1/users"): "admin",
    ("GET", "/v1/users"): "member",
    ("GET", "/v1/users/{user_id}"): "member",
    ("PATCH", "/v1/users/{user_id}"): "admin",
    ("DELETE", "/v1/users/{user_id}"): "admin",
    ("POST", "/v1/bot-profiles"): "admin",
    ("GET", "/v1/bot-profiles"): "member",
    ("GET", "/v1/bot-profiles/{bot_id}"): "member",
    ("PATCH", "/v1/bot-profiles/{bot_id}"): "admin",
    ("DELETE", "/v1/bot-profiles/{bot_id}"): "admin",
    ("POST", "/v1/sources"): "admin",
    ("POST", "/v1/sources/batch"): "admin",
    ("POST", "/v1/sources/upload"): "admin",
    ("POST", "/v1/sources/upload-url"): "admin",
    ("GET", "/v1/sources"): "member",
    ("GET", "/v1/bot-profiles/{bot_id}/model-check"): "member",
    ("GET", "/v1/bot-profiles/{bot_id}/widget-settings"): "member",
    ("GET", "/v1/sources/{source_id}"): "member",
    ("GET", "/v1/sources/{source_id}/children"): "member",
    ("PATCH", "/v1/sources/{source_id}"): "admin",
    ("DELETE", "/v1/sources/{source_id}"): "admin",
    ("POST", "/v1/sources/{source_id}/ingest"): "admin",
    ("POST", "/v1/sources/{source_id}/ingest-children"): "admin",
    ("POST", "/v1/bot-profiles/{bot_id}/widget-keys"): "admin",
    ("GET", "/v1/bot-profiles/{bot_id}/widget-keys"): "admin",
    ("DELETE", "/v1/bot-profiles/{bot_id}/widget-keys/{key_id}"): "admin",
    ("POST", "/v1/bot-profiles/{bot_id}/agent-keys"): "admin",
    ("GET", "/v1/bot-profiles/{bot_id}/agent-keys"): "admin",
    ("DELETE", "/v1/bot-profiles/{bot_id}/agent-keys/{key_id}"): "admin",
    ("POST", "/v1/bot-profiles/{bot_id}/retrieve"): "member",
    ("POST", "/v1/mcp/{bot_id}"): "member",
    ("GET", "/v1/bot-profiles/{bot_id}/gaps"): "member",
    ("POST", "/v1/bot-profiles/{bot_id}/curated-answers"): "admin",
    ("GET", "/v1/bot-profiles/{bot_id}/curated-answers"): "member",
    ("GET", "/v1/bot-profiles/{bot_id}/curated-answers/{curated_id}"): "member",
    ("PATCH", "/v1/bot-profiles/{bot_id}/curated-answers/{curated_id}"): "admin",
    ("DELETE", "/v1/bot-profiles/{bot_id}/curated-answers/{curated_id}"): "admin",
    ("PATCH", "/v1/chat/{chat_id}/messages/{message_id}/feedback"): "member",
    ("POST", "/v1/chat"): "member",
    ("POST", "/v1/bot-profiles/{bot_id}/evaluations"): "admin",
    ("GET", "/v1/bot-profiles/{bot_id}/evaluations"): "member",
    ("GET", "/v1/chat/export"): "member",
    ("GET", "/v1/chat/{chat_id}/export"): "member",
    ("GET", "/v1/stats/overview"): "member",
    ("GET", "/v1/stats/usage"): "member",
    ("GET", "/v1/stats/usage/by-bot"): "member",
    ("GET", "/v1/stats/usage/by-model"): "member",
    ("GET", "/v1/stats/cost-estimate"): "member",
    ("GET", "/v1/stats/pricing"): "member",
    ("GET", "/v1/stats/feedback"): "member",
    ("GET", "/v1/stats/feedback/trend"): "member",
    ("POST", "/v1/webhooks"): "admin",
    ("GET", "/v1/webhooks"): "admin",
    ("GET", "/v1/webhooks/{webhook_id}"): "admin",
    ("PATCH", "/v1/webhooks/{webhook_id}"): "admin",
    ("DELETE", "/v1/webhooks/{webhook_id}"): "admin",
    ("POST", "/v1/webhooks/{webhook_id}/test"): "admin",
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): "admin",
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): "admin",
    ("GET", "/v1/chat"): "member",
    ("GET", "/v1/chat/{chat_id}"): "member",
    ("GET", "/v1/chat/{chat_id}/messages"): "member",
    ("GET", "/v1/openai/{bot_id}/models"): "member",
    ("POST", "/v1/openai/{bot_id}/chat/completions"): "member",
}

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/api-tokens"): {"name": "matrix"},
    ("POST", "/v1/users"): {"email": "matrix-{n}@example.com", "password": "matrix password"},
    ("PATCH", "/v1/users/{user_id}"): {"display_name": "changed"},
    ("POST", "/v1/bot-profiles"): {"name": "matrix"},
    ("PATCH", "/v1/bot-profiles/{bot_id}"): {"name": "changed"},
    ("POST", "/v1/sources"): {
        "bot_profile_id": "{bot_id}",
        "name": "s",
        "source_type": "text",
        "content": "x",
    },
    ("POST", "/v1/sources/batch"): {
        "bot_profile_id": "{bot_id}",
        "name": "b",
        "children": [{"name": "c", "source_type": "text", "content": "x"}],
    },
    ("POST", "/v1/sources/upload-url"): {
        "bot_profile_id": "{bot_id}",
        "filename": "a.pdf",
        "content_type": "application/pdf",
        "size": 10,
    },
    ("PATCH", "/v1/sources/{source_id}"): {"name": "changed"},
    ("POST", "/v1/chat"): {"bot_profile_id": "{bot_id}", "message": "hello"},
    ("POST", "/v1/bot-profiles/{bot_id}/evaluations"): {"cases": [{"question": "q", "expected_answer": "a"}]},
    ("POST", "/v1/webhooks"): {"url": "http://127.0.0.1:9/h", "events": ["chat.message"]},
    ("PATCH", "/v1/webhooks/{webhook_id}"): {"description": "changed"},
    ("POST", "/v1/bot-profiles/{bot_id}/widget-keys"): {
        "name": "k",
        "allowed_origins": ["https://a.example"],
    },
    ("PATCH", "/v1/chat/{chat_id}/messages/{message_id}/feedback"): {"feedback": "positive"},
    ("POST", "/v1/bot-profiles/{bot_id}/agent-keys"): {"name": "k"},
    ("POST", "/v1/bot-profiles/{bot_id}/retrieve"): {"query": "hello"},
    ("POST", "/v1/bot-profiles/{bot_id}/curated-answers"): {
        "question": "Opening hours?",
        "answer": "Nine to five.",
    },
    ("PATCH", "/v1/bot-profiles/{bot_id}/curated-answers/{curated_id}"): {"answer": "Ten to six."},
    ("POST", "/v1/mcp/{bot_id}"): {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    ("POST", "/v1/openai/{bot_id}/chat/completions"): {"messages": [{"role": "user", "content": "hello"}]},
}
# What a route's clients always send besides the token: an MCP client accepts JSON and SSE answers.
HEADERS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v1/mcp/{bot_id}"): {"Accept": "application/json, text/event-stream"},
}
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/sources/upload"): {"bot_profile_id": "{bot_id}"},
}


def spec_routes(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def ids_of_tenant(client: TestClient, tenant: TenantCtx) -> dict[str, str]:
    user_id, _ = add_user(client, tenant, "member")
    token = client.post("/v1/api-tokens", json={"name": "victim"}, headers=tenant.headers).json()
    bot = client.post("/v1/bot-profiles", json={"name": "victim"}, headers=tenant.headers).json()
    source = client.post(
        "/v1/sources",
        headers=tenant.headers,
        json={
            "bot_profile_id": bot["id"],
            "name": "secret notes",
            "source_type": "text",
            "content": "victim text",
        },
    ).json()
    key = client.post(
        f"/v1/bot-profiles/{bot['id']}/widget-keys",
        headers=tenant.headers,
        json={"name": "victim", "allowed_origins": ["https://victim.example"]},
    ).json()
    hook = client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/victim", "events": ["chat.message"]},
        headers=tenant.headers,
    ).json()
    curated = client.post(
        f"/v1/bot-profiles/{bot['id']}/curated-answers",
        json={"question": "Opening hours?", "answer": "Nine to five."},  # knowledge: no "victim" in it
        headers=tenant.headers,
    ).json()
    delivery_id = client.post(f"/v1/webhooks/{hook['id']}/test", headers=tenant.headers).json()["delivery_id"]
    chat = client.post(
        "/v1/chat", json={"bot_profile_id": bot["id"], "message": "victim question"}, headers=tenant.headers
    ).json()
    return {
        "user_id": user_id,
        "token_id": token["id"],
        "bot_id": bot["id"],
        "source_id": source["id"],
        "chat_id": chat["chat_id"],
        "message_id": chat["message"]["id"],
        "key_id": key["id"],
        "webhook_id": hook["id"],
        "delivery_id": delivery_id,
        "curated_id": curated["id"],
    }


def _fill(value: Any, ids: dict[str, str], n: int) -> Any:
    if isinstance(value, str):
        return value.format(n=n, **ids)
    if isinstance(value, list):
        return [_fill(v, ids, n) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids, n) for k, v in value.items()}
    return value


def call(
    client: TestClient, method: str, path: str, ids: dict[str, str], headers: dict[str, str], n: int
) -> Any:
    url = path.format(**ids)
    headers = {**HEADERS.get((method, path), {}), **headers}
    if (method, path) in FORMS:
        files = {"file": ("notes.txt", b"some notes", "text/plain")}
        return client.request(
            method, url, data=_fill(FORMS[method, path], ids, n), files=files, headers=headers
        )
    return client.request(method, url, json=_fill(BODIES.get((method, path)), ids, n), headers=headers)


def test_every_route_is_classified(client: TestClient) -> None:
    routes = spec_routes(client)
    unclassified = routes - PUBLIC - set(ROLE_TABLE)
    assert not unclassified, f"add these routes to ROLE_TABLE: {sorted(unclassified)}"
    assert not set(ROLE_TABLE) - routes, "ROLE_TABLE lists routes the app does not serve"


def test_members_are_refused_exactly_the_admin_routes(client: TestClient) -> None:
    tenant = signup(client)
    _, member_jwt = add_user(client, tenant, "member")
    ids = ids_of_tenant(client, tenant)
    for n, ((method, path), least) in enumerate(sorted(ROLE_TABLE.items())):
        if path == "/v1/auth/logout":
            continue
        response = call(client, method, path, ids, bearer(member_jwt), n)
        if least == "member":
            assert response.status_code < 400, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, response.status_code)


@pytest.mark.parametrize("credential", ["api_token", "jwt"])
def test_foreign_ids_are_404_and_leak_nothing(client: TestClient, credential: str) -> None:
    victim = signup(client)
    ids = ids_of_tenant(client, victim)
    before = client.get("/v1/users", headers=victim.headers).json()
    attacker = signup(client)
    headers = attacker.headers if credential == "api_token" else bearer(_owner_jwt(client, attacker))
    for n, (method, path) in enumerate(sorted(ROLE_TABLE)):
        if "{" not in path and not _names_foreign_id(method, path):
            continue
        response = call(client, method, path, ids, headers, n)
        expected = _foreign_status(method, path)
        assert response.status_code == expected, (method, path, response.status_code)
        text = response.text
        assert all(value not in text for value in (*ids.values(), victim.id, victim.owner_email))
    assert client.get("/v1/users", headers=victim.headers).json() == before
    tokens = client.get("/v1/api-tokens", headers=victim.headers).json()
    assert all(t["is_active"] for t in tokens)


def _foreign_status(method: str, path: str) -> int:
    """Ids in a path that are not the caller's: 404. A bot id in a source-creating body: 422, as the
    original MiniRAG answered (API.md's compatibility rule); chat keeps the original's 404."""
    if "{" not in path and _names_foreign_id(method, path) and path.startswith("/v1/sources"):
        return 422
    return 404


def _names_foreign_id(method: str, path: str) -> bool:
    """Routes whose body (not path) carries the foreign id: creating sources under A's bot."""
    body = {**BODIES.get((method, path), {}), **FORMS.get((method, path), {})}
    return "{bot_id}" in str(body)


def _owner_jwt(client: TestClient, tenant: TenantCtx) -> str:
    response = client.post(
        "/v1/auth/login",
        json={"email": tenant.owner_email, "password": "correct horse battery", "tenant_slug": tenant.slug},
    )
    token: str = response.json()["access_token"]
    return token


WIDGET_ROUTES = {
    ("POST", "/v1/chat"),
    ("GET", "/v1/bot-profiles/{bot_id}/widget-settings"),
    ("GET", "/v1/chat/{chat_id}/messages"),
    ("PATCH", "/v1/chat/{chat_id}/messages/{message_id}/feedback"),
}


def test_a_widget_key_reaches_only_the_widget_routes(client: TestClient) -> None:
    tenant = signup(client)
    ids = ids_of_tenant(client, tenant)
    other_bot = client.post("/v1/bot-profiles", json={"name": "other"}, headers=tenant.headers).json()["id"]
    key = client.post(
        f"/v1/bot-profiles/{other_bot}/widget-keys",
        headers=tenant.headers,
        json={"name": "w", "allowed_origins": ["https://w.example"], "rate_limit_per_minute": 10000},
    ).json()["key"]
    headers = {**bearer(key), "Origin": "https://w.example"}
    for n, (method, path) in enumerate(sorted(ROLE_TABLE)):
        response = call(client, method, path, ids, headers, n)
        if (method, path) in WIDGET_ROUTES:
            assert response.status_code in (403, 404), (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
        assert "victim" not in response.text


AGENT_ROUTES = {("POST", "/v1/bot-profiles/{bot_id}/retrieve"), ("POST", "/v1/mcp/{bot_id}")}


def test_an_agent_key_reaches_only_its_bots_knowledge(client: TestClient) -> None:
    tenant = signup(client)
    ids = ids_of_tenant(client, tenant)
    key = client.post(
        f"/v1/bot-profiles/{ids['bot_id']}/agent-keys",
        headers=tenant.headers,
        json={"name": "agent", "rate_limit_per_minute": 10000},
    ).json()["key"]
    for n, (method, path) in enumerate(sorted(ROLE_TABLE)):
        response = call(client, method, path, ids, bearer(key), n)
        if (method, path) in AGENT_ROUTES:
            assert response.status_code == 200, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
        assert "victim" not in response.text


def test_revoked_and_expired_credentials_are_401_everywhere(client: TestClient, clock: Any) -> None:
    tenant = signup(client)
    ids = ids_of_tenant(client, tenant)
    revoked = client.post("/v1/api-tokens", json={"name": "soon revoked"}, headers=tenant.headers).json()
    client.delete(f"/v1/api-tokens/{revoked['id']}", headers=tenant.headers)
    expiring = _owner_jwt(client, tenant)
    clock.advance(3601)
    for credential in (revoked["raw_token"], expiring):
        for n, (method, path) in enumerate(sorted(ROLE_TABLE)):
            response = call(client, method, path, ids, bearer(credential), n)
            assert response.status_code == 401, (method, path, response.status_code)
