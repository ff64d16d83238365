"""Login, sessions, logout and bearer credential handling."""

import jwt
from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, add_user, bearer, login, signup
from tests.support.clock import FakeClock


def test_login_returns_a_jwt_that_identifies_the_user(client: TestClient) -> None:
    tenant = signup(client)
    response = client.post("/v1/auth/login", json={"email": tenant.owner_email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["tenant"]["id"] == tenant.id and body["user"]["id"] == tenant.owner_id
    me = client.get("/v1/auth/me", headers=bearer(body["access_token"])).json()
    assert me["user"]["email"] == tenant.owner_email and me["role"] == "owner" and me["auth"] == "user"


def test_api_token_me_gives_the_tokens_user(client: TestClient) -> None:
    """As the original MiniRAG: /auth/me with an API token answers the user the token acts for (its
    creator, or the user behind the token that created it)."""
    tenant = signup(client)
    me = client.get("/v1/auth/me", headers=tenant.headers).json()
    assert me["user"]["id"] == tenant.owner_id and me["user"]["email"] == tenant.owner_email
    assert me["tenant"]["id"] == tenant.id and me["auth"] == "api_token"
    admin_id, admin_jwt = add_user(client, tenant, "admin")
    made = client.post("/v1/api-tokens", json={"name": "ci"}, headers=bearer(admin_jwt)).json()["raw_token"]
    assert client.get("/v1/auth/me", headers=bearer(made)).json()["user"]["id"] == admin_id
    chained = client.post("/v1/api-tokens", json={"name": "sub"}, headers=bearer(made)).json()["raw_token"]
    assert client.get("/v1/auth/me", headers=bearer(chained)).json()["user"]["id"] == admin_id


def test_wrong_password_and_unknown_email_look_alike(client: TestClient) -> None:
    tenant = signup(client)
    wrong = client.post("/v1/auth/login", json={"email": tenant.owner_email, "password": "wrong-password"})
    unknown = client.post(
        "/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid email or password"}


def test_same_email_in_two_tenants_is_never_a_500(client: TestClient) -> None:
    first = signup(client)
    second = signup(client, email=first.owner_email)
    ambiguous = client.post("/v1/auth/login", json={"email": first.owner_email, "password": PASSWORD})
    assert ambiguous.status_code == 409
    assert "tenant_slug" in ambiguous.json()["detail"]
    token = login(client, first.owner_email, slug=second.slug)
    assert client.get("/v1/tenants/me", headers=bearer(token)).json()["id"] == second.id
    wrong_slug = client.post(
        "/v1/auth/login", json={"email": first.owner_email, "password": PASSWORD, "tenant_slug": "no-such-t"}
    )
    assert wrong_slug.status_code == 401


def test_same_email_with_different_passwords_picks_the_matching_tenant(client: TestClient) -> None:
    first = signup(client)
    second = signup(client, email=first.owner_email, password="another password 2")
    token = login(client, first.owner_email, "another password 2")
    assert client.get("/v1/tenants/me", headers=bearer(token)).json()["id"] == second.id


def test_logout_revokes_the_session_at_once(client: TestClient) -> None:
    tenant = signup(client)
    token = login(client, tenant.owner_email)
    assert client.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    after = client.get("/v1/auth/me", headers=bearer(token))
    assert after.status_code == 401 and after.json()["detail"] == "session revoked"
    other = login(client, tenant.owner_email)
    assert client.get("/v1/auth/me", headers=bearer(other)).status_code == 200


def test_logout_with_an_api_token_is_400(client: TestClient) -> None:
    tenant = signup(client)
    assert client.post("/v1/auth/logout", headers=tenant.headers).status_code == 400


def test_expired_jwt_is_refused(client: TestClient, clock: FakeClock) -> None:
    tenant = signup(client)
    token = login(client, tenant.owner_email)
    clock.advance(3601)
    response = client.get("/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401 and response.json()["detail"] == "token expired"


def test_bad_credentials_are_401_with_challenge(client: TestClient) -> None:
    tenant = signup(client)
    forged = jwt.encode(
        {"sub": tenant.owner_id, "tid": tenant.id, "sid": "x", "aud": "minirag", "exp": 2**40},
        "some-other-secret-that-is-long-enough-000",
        algorithm="HS256",
    )
    cases = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        bearer("mrag_not-a-real-token"),
        bearer("eyJhbGciOiJIUzI1NiJ9.garbage.sig"),
        bearer(forged),
    ]
    for headers in cases:
        response = client.get("/v1/tenants/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"]


def test_login_validation(client: TestClient) -> None:
    assert client.post("/v1/auth/login", json={"email": "a@example.com"}).status_code == 422
    assert client.post("/v1/auth/login", json={"email": "nope", "password": "x"}).status_code == 422
    assert (
        client.post("/v1/auth/login", content=b"[", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
