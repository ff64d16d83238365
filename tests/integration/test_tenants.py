"""Tenant signup and the tenant record: POST /v1/tenants, GET /v1/tenants/me, health."""

from fastapi.testclient import TestClient

from tests.support.api import PASSWORD, signup, unique


def test_health_answers_ok(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_system_health_reports_components_without_secrets(client: TestClient) -> None:
    body = client.get("/v1/system/health").json()
    assert body == {
        "status": "ok",
        "components": {"dynamodb": "ok", "vectors": "ok", "queue": "ok", "blobs": "ok"},
        "version": "0.1.0",
        # the original MiniRAG's keys, each answered by the component of ours that does that job
        "postgres": {"status": "ok", "detail": None, "component": "dynamodb"},
        "qdrant": {"status": "ok", "detail": None, "component": "vectors"},
        "redis": {"status": "ok", "detail": None, "component": "queue"},
    }


def test_signup_creates_tenant_owner_and_a_working_token(client: TestClient) -> None:
    slug = unique("acme")
    response = client.post(
        "/v1/tenants",
        json={
            "tenant_name": "Acme",
            "tenant_slug": slug,
            "owner_email": "Boss@Example.com",
            "owner_password": PASSWORD,
            "owner_display_name": "The Boss",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["tenant"]["slug"] == slug and body["tenant"]["plan"] == "free"
    assert body["api_token"].startswith(body["token_prefix"]) and len(body["api_token"]) > 40
    assert body["user"]["email"] == "boss@example.com" and body["user"]["role"] == "owner"
    me = client.get("/v1/tenants/me", headers={"Authorization": f"Bearer {body['api_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == body["tenant"]["id"] and me.json()["name"] == "Acme"


def test_duplicate_slug_is_409_and_writes_nothing(client: TestClient) -> None:
    first = signup(client)
    response = client.post(
        "/v1/tenants",
        json={
            "tenant_name": "Copycat",
            "tenant_slug": first.slug,
            "owner_email": "copycat@example.com",
            "owner_password": PASSWORD,
        },
    )
    assert response.status_code == 409
    assert "slug" in response.json()["detail"]
    login = client.post("/v1/auth/login", json={"email": "copycat@example.com", "password": PASSWORD})
    assert login.status_code == 401, "the losing signup must not leave its owner behind"


def test_signup_validation_errors(client: TestClient) -> None:
    good = {
        "tenant_name": "X",
        "tenant_slug": unique("v"),
        "owner_email": "v@example.com",
        "owner_password": PASSWORD,
    }
    cases = [
        ({**good, "tenant_slug": "Bad Slug!"}, 422),
        ({**good, "tenant_slug": "a"}, 422),
        ({**good, "owner_password": "short"}, 422),
        ({**good, "owner_password": "x" * 129}, 422),
        ({**good, "owner_email": "not-an-email"}, 422),
        ({**good, "tenant_name": ""}, 422),
        ({**good, "tenant_name": 42}, 422),
        ({k: v for k, v in good.items() if k != "owner_email"}, 422),
    ]
    for body, status in cases:
        response = client.post("/v1/tenants", json=body)
        assert response.status_code == status, (body, response.text)
        assert "detail" in response.json()


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    malformed = client.post("/v1/tenants", content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json() == {"detail": "malformed JSON body"}
    array = client.post("/v1/tenants", json=[1, 2])
    assert array.status_code == 422
    huge = client.post("/v1/tenants", content=b"x" * 2_000_000, headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert "larger than" in huge.json()["detail"]


def test_unknown_route_and_method_are_json_errors(client: TestClient) -> None:
    assert client.get("/v1/nope").status_code == 404
    response = client.put("/v1/tenants")
    assert response.status_code == 405
    assert response.json()["detail"]


def test_detailed_health_is_for_admins_and_shows_queue_depths(client: TestClient) -> None:
    tenant = signup(client)
    detailed = client.get("/v1/system/health/detailed", headers=tenant.headers).json()
    assert set(detailed["queues"]) == {"ingest", "ingest_dlq", "webhooks", "webhooks_dlq"}
    assert all(set(q) == {"waiting", "in_flight"} for q in detailed["queues"].values())
    assert detailed["configuration"]["vector_store"] == "embedded"
    assert "secret" not in str(detailed).lower() and "key" not in str(detailed["configuration"]).lower()
