"""Users: role rules, deactivation, and the last active owner."""

from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, add_user, bearer, signup, unique


def test_create_list_get_and_update(client: TestClient) -> None:
    tenant = signup(client)
    email = f"{unique('m')}@example.com"
    created = client.post(
        "/v1/users",
        json={"email": email, "password": PASSWORD, "display_name": "Mia"},
        headers=tenant.headers,
    )
    assert created.status_code == 201
    user = created.json()
    assert user["role"] == "member" and user["is_active"] is True and "password" not in user
    listed = client.get("/v1/users", headers=tenant.headers).json()
    assert [u["email"] for u in listed] == sorted([tenant.owner_email, email]), "by email, as the original"
    assert client.get(f"/v1/users/{user['id']}", headers=tenant.headers).json()["display_name"] == "Mia"
    patched = client.patch(
        f"/v1/users/{user['id']}", json={"display_name": "Mia R.", "role": "admin"}, headers=tenant.headers
    )
    assert patched.status_code == 200 and patched.json()["role"] == "admin"
    assert patched.json()["display_name"] == "Mia R."


def test_duplicate_email_in_tenant_is_409(client: TestClient) -> None:
    tenant = signup(client)
    body = {"email": tenant.owner_email, "password": PASSWORD}
    assert client.post("/v1/users", json=body, headers=tenant.headers).status_code == 409


def test_password_change_takes_effect(client: TestClient) -> None:
    tenant = signup(client)
    user_id, _ = add_user(client, tenant, "member")
    email = client.get(f"/v1/users/{user_id}", headers=tenant.headers).json()["email"]
    client.patch(f"/v1/users/{user_id}", json={"password": "brand new password"}, headers=tenant.headers)
    old = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    new = client.post("/v1/auth/login", json={"email": email, "password": "brand new password"})
    assert old.status_code == 401 and new.status_code == 200


def test_deactivated_user_is_locked_out_at_once(client: TestClient) -> None:
    tenant = signup(client)
    user_id, user_jwt = add_user(client, tenant, "admin")
    assert client.get("/v1/auth/me", headers=bearer(user_jwt)).status_code == 200
    assert client.delete(f"/v1/users/{user_id}", headers=tenant.headers).status_code == 204
    refused = client.get("/v1/auth/me", headers=bearer(user_jwt))
    assert refused.status_code == 401 and refused.json()["detail"] == "user deactivated"
    email = client.get(f"/v1/users/{user_id}", headers=tenant.headers).json()["email"]
    assert client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401


def test_only_an_owner_creates_or_changes_owners(client: TestClient) -> None:
    tenant = signup(client)
    _, admin_jwt = add_user(client, tenant, "admin")
    body = {"email": f"{unique('o')}@example.com", "password": PASSWORD, "role": "owner"}
    assert client.post("/v1/users", json=body, headers=bearer(admin_jwt)).status_code == 403
    owner_patch = client.patch(
        f"/v1/users/{tenant.owner_id}", json={"display_name": "x"}, headers=bearer(admin_jwt)
    )
    assert owner_patch.status_code == 403
    member_id, _ = add_user(client, tenant, "member")
    promote = client.patch(f"/v1/users/{member_id}", json={"role": "owner"}, headers=bearer(admin_jwt))
    assert promote.status_code == 403
    assert client.post("/v1/users", json=body, headers=tenant.headers).status_code == 201


def test_the_last_active_owner_cannot_be_removed_or_demoted(client: TestClient) -> None:
    tenant = signup(client)
    removed = client.delete(f"/v1/users/{tenant.owner_id}", headers=tenant.headers)
    assert removed.status_code == 409
    demoted = client.patch(f"/v1/users/{tenant.owner_id}", json={"role": "admin"}, headers=tenant.headers)
    assert demoted.status_code == 409
    owner = client.get(f"/v1/users/{tenant.owner_id}", headers=tenant.headers).json()
    assert owner["role"] == "owner" and owner["is_active"] is True

    second_id, second_jwt = add_user(client, tenant, "owner")
    assert client.delete(f"/v1/users/{tenant.owner_id}", headers=tenant.headers).status_code == 204
    # the first owner's token went with its user; the second owner is the last one
    assert client.delete(f"/v1/users/{second_id}", headers=tenant.headers).status_code == 401
    assert client.delete(f"/v1/users/{second_id}", headers=bearer(second_jwt)).status_code == 409


def test_reactivating_an_owner_counts_again(client: TestClient) -> None:
    tenant = signup(client)
    second_id, _ = add_user(client, tenant, "owner")
    assert client.delete(f"/v1/users/{second_id}", headers=tenant.headers).status_code == 204
    back = client.patch(f"/v1/users/{second_id}", json={"is_active": True}, headers=tenant.headers)
    assert back.status_code == 200
    assert client.delete(f"/v1/users/{tenant.owner_id}", headers=tenant.headers).status_code == 204


def test_user_validation(client: TestClient) -> None:
    tenant = signup(client)
    bad = [
        {"email": "x@example.com", "password": "short"},
        {"email": "x@example.com", "password": PASSWORD, "role": "superuser"},
        {"email": "x@example.com"},
    ]
    for body in bad:
        assert client.post("/v1/users", json=body, headers=tenant.headers).status_code == 422
    user_id, _ = add_user(client, tenant, "member")
    assert (
        client.patch(f"/v1/users/{user_id}", json={"is_active": "maybe"}, headers=tenant.headers).status_code
        == 422
    )
    assert client.get("/v1/users/unknown-id", headers=tenant.headers).status_code == 404
