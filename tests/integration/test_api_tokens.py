"""API tokens: shown once, hashed at rest, revocable at once, never stronger than their creator."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.support.api import add_user, bearer, signup
from tests.support.clock import FakeClock


def test_create_list_use_and_revoke(client: TestClient) -> None:
    tenant = signup(client)
    created = client.post("/v1/api-tokens", json={"name": "ci"}, headers=tenant.headers)
    assert created.status_code == 201
    token = created.json()
    assert token["raw_token"].startswith(token["token_prefix"]) and token["role"] == "owner"
    assert client.get("/v1/tenants/me", headers=bearer(token["raw_token"])).status_code == 200

    listed = client.get("/v1/api-tokens", headers=tenant.headers).json()
    assert isinstance(listed, list) and {t["name"] for t in listed} == {"Initial token", "ci"}
    assert all("raw_token" not in t and "token_hash" not in t for t in listed)
    used = next(t for t in listed if t["id"] == token["id"])
    assert used["last_used_at"] is not None

    assert client.delete(f"/v1/api-tokens/{token['id']}", headers=tenant.headers).status_code == 204
    assert client.get("/v1/tenants/me", headers=bearer(token["raw_token"])).status_code == 401
    after = {t["id"]: t for t in client.get("/v1/api-tokens", headers=tenant.headers).json()}
    assert after[token["id"]]["is_active"] is False
    assert client.delete(f"/v1/api-tokens/{token['id']}", headers=tenant.headers).status_code == 204


def test_expiring_token_stops_working(client: TestClient, clock: FakeClock) -> None:
    tenant = signup(client)
    expires = (clock.now() + timedelta(minutes=5)).isoformat()
    raw = client.post(
        "/v1/api-tokens", json={"name": "short", "expires_at": expires}, headers=tenant.headers
    ).json()["raw_token"]
    assert client.get("/v1/tenants/me", headers=bearer(raw)).status_code == 200
    clock.advance(301)
    response = client.get("/v1/tenants/me", headers=bearer(raw))
    assert response.status_code == 401 and response.json()["detail"] == "token expired"


def test_expiry_in_the_past_is_422(client: TestClient) -> None:
    tenant = signup(client)
    past = (datetime.now(UTC) - timedelta(days=3650)).isoformat()
    response = client.post("/v1/api-tokens", json={"name": "old", "expires_at": past}, headers=tenant.headers)
    assert response.status_code == 422


def test_admin_cannot_mint_an_owner_token(client: TestClient) -> None:
    tenant = signup(client)
    _, admin_jwt = add_user(client, tenant, "admin")
    denied = client.post("/v1/api-tokens", json={"name": "up", "role": "owner"}, headers=bearer(admin_jwt))
    assert denied.status_code == 403
    allowed = client.post(
        "/v1/api-tokens", json={"name": "down", "role": "member"}, headers=bearer(admin_jwt)
    )
    assert allowed.status_code == 201 and allowed.json()["role"] == "member"
    member_token = allowed.json()["raw_token"]
    assert client.get("/v1/api-tokens", headers=bearer(member_token)).status_code == 403


def test_unknown_token_id_is_404(client: TestClient) -> None:
    tenant = signup(client)
    assert client.delete("/v1/api-tokens/does-not-exist", headers=tenant.headers).status_code == 404
