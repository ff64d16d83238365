"""API tokens are bound to the user behind them, and login sessions end for good.

Before the fix, an admin's token kept admin rights after its creator was demoted and kept working after
the creator was deactivated (it even created a new admin user); sessions survived a password change and
came back when a user was reactivated; an admin could revoke an owner's tokens.
"""

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.test_read_calls import Get, counted_get
from tests.support.api import PASSWORD, TenantCtx, add_user, bearer, login, signup, unique

__all__ = ["counted_get"]  # the fixture, used below


def new_token(client: TestClient, headers: dict[str, str], **body: Any) -> tuple[str, str]:
    response = client.post("/v1/api-tokens", json={"name": unique("tok"), **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["raw_token"]


def patch_user(client: TestClient, tenant: TenantCtx, user_id: str, **body: Any) -> None:
    response = client.patch(f"/v1/users/{user_id}", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text


def can_create_user(client: TestClient, headers: dict[str, str], role: str = "admin") -> int:
    body = {"email": f"{unique('new')}@example.com", "password": PASSWORD, "role": role}
    return client.post("/v1/users", json=body, headers=headers).status_code


def test_a_demoted_admins_tokens_lose_the_admin_role(client: TestClient) -> None:
    tenant = signup(client)
    admin_id, admin_jwt = add_user(client, tenant, "admin")
    _, token = new_token(client, bearer(admin_jwt))
    _, child = new_token(client, bearer(token))  # made by the token: bound to the same admin
    for raw in (token, child):
        assert can_create_user(client, bearer(raw)) == 201
    patch_user(client, tenant, admin_id, role="member")
    for raw in (token, child):
        assert can_create_user(client, bearer(raw)) == 403
        assert client.post("/v1/bot-profiles", json={"name": "b"}, headers=bearer(raw)).status_code == 403
        assert client.get("/v1/bot-profiles", headers=bearer(raw)).status_code == 200  # a member still reads
    patch_user(client, tenant, admin_id, role="admin")
    assert can_create_user(client, bearer(token)) == 201  # capped at the current role, not revoked


def test_a_deactivated_admins_tokens_stop_working(client: TestClient) -> None:
    tenant = signup(client)
    admin_id, admin_jwt = add_user(client, tenant, "admin")
    _, token = new_token(client, bearer(admin_jwt))
    assert client.delete(f"/v1/users/{admin_id}", headers=tenant.headers).status_code == 204
    assert can_create_user(client, bearer(token)) == 401
    assert client.get("/v1/tenants/me", headers=bearer(token)).status_code == 401
    patch_user(client, tenant, admin_id, is_active=True)
    assert client.get("/v1/tenants/me", headers=bearer(token)).status_code == 200


def test_the_binding_costs_no_dynamodb_call(client: TestClient, counted_get: Get) -> None:
    """The user's role and status ride on the token's hash guard: still one read authorises a token."""
    tenant = signup(client)
    _, admin_jwt = add_user(client, tenant, "admin")
    _, token = new_token(client, bearer(admin_jwt))
    _, calls = counted_get("/v1/tenants/me", bearer(token))
    assert calls.count("GetItem(TOKENHASH/TOKEN)") == 1, calls
    assert not any("USER" in call for call in calls), calls


def test_password_change_and_deactivation_end_sessions_for_good(client: TestClient) -> None:
    tenant = signup(client)
    user_id, first = add_user(client, tenant, "member")
    email = client.get(f"/v1/users/{user_id}", headers=tenant.headers).json()["email"]
    assert client.get("/v1/auth/me", headers=bearer(first)).status_code == 200
    patch_user(client, tenant, user_id, password="a brand new password")
    assert client.get("/v1/auth/me", headers=bearer(first)).status_code == 401
    second = login(client, email, "a brand new password", tenant.slug)
    assert client.get("/v1/auth/me", headers=bearer(second)).status_code == 200
    assert client.delete(f"/v1/users/{user_id}", headers=tenant.headers).status_code == 204
    patch_user(client, tenant, user_id, is_active=True)
    for old in (first, second):
        assert client.get("/v1/auth/me", headers=bearer(old)).status_code == 401  # reactivation: not back
    third = login(client, email, "a brand new password", tenant.slug)
    assert client.get("/v1/auth/me", headers=bearer(third)).status_code == 200


def test_an_admin_cannot_revoke_an_owners_tokens(client: TestClient) -> None:
    tenant = signup(client)
    _, admin_jwt = add_user(client, tenant, "admin")
    admin = bearer(admin_jwt)
    owner_token_id, _ = new_token(client, tenant.headers)
    owner_member_token_id, _ = new_token(client, tenant.headers, role="member")  # an owner's, all the same
    signup_token_id = next(
        t["id"] for t in client.get("/v1/api-tokens", headers=tenant.headers).json() if t["role"] == "owner"
    )
    for token_id in (owner_token_id, owner_member_token_id, signup_token_id):
        assert client.delete(f"/v1/api-tokens/{token_id}", headers=admin).status_code == 403
    own_id, _ = new_token(client, admin)
    assert client.delete(f"/v1/api-tokens/{own_id}", headers=admin).status_code == 204
    assert client.delete(f"/v1/api-tokens/{owner_token_id}", headers=tenant.headers).status_code == 204
