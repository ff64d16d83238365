"""Per-IP signup limit, login lockout and a store outage: 429/503 with Retry-After, never a 500."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import free_port, make_settings
from tests.support.api import PASSWORD, unique
from tests.support.clock import FakeClock


@pytest.fixture
def strict_client(aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        aws_endpoint,
        aws_env,
        tmp_path,
        signup_per_ip_per_hour=2,
        login_failures_before_lockout=3,
        lockout_seconds=600,
    )
    services = build_services(settings, clock=FakeClock())
    with TestClient(create_app(services), client=(unique("10.0.0"), 50000)) as client:
        yield client


def _signup_body() -> dict[str, str]:
    slug = unique("rl")
    return {
        "tenant_name": slug,
        "tenant_slug": slug,
        "owner_email": f"{slug}@example.com",
        "owner_password": PASSWORD,
    }


def test_signup_is_rate_limited_per_ip(strict_client: TestClient) -> None:
    assert strict_client.post("/v1/tenants", json=_signup_body()).status_code == 201
    assert strict_client.post("/v1/tenants", json=_signup_body()).status_code == 201
    third = strict_client.post("/v1/tenants", json=_signup_body())
    assert third.status_code == 429
    assert 1 <= int(third.headers["retry-after"]) <= 3600


def test_repeated_login_failures_lock_the_account(strict_client: TestClient) -> None:
    body = _signup_body()
    assert strict_client.post("/v1/tenants", json=body).status_code == 201
    wrong = {"email": body["owner_email"], "password": "wrong password"}
    for _ in range(3):
        assert strict_client.post("/v1/auth/login", json=wrong).status_code == 401
    right = {"email": body["owner_email"], "password": PASSWORD}
    locked = strict_client.post("/v1/auth/login", json=right)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) <= 600


def test_store_outage_is_503_with_retry_after(aws_env: dict[str, str], tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = make_settings(dead, aws_env, tmp_path, dynamodb_max_retries=0, dynamodb_timeout_seconds=0.5)
    with TestClient(create_app(build_services(settings))) as client:
        signup = client.post("/v1/tenants", json=_signup_body())
        assert signup.status_code == 503 and signup.headers["retry-after"]
        assert signup.json() == {"detail": "the metadata store is unavailable"}
        auth = client.get("/v1/tenants/me", headers={"Authorization": "Bearer mrag_x"})
        assert auth.status_code == 503
        health = client.get("/v1/system/health").json()
        assert health == {
            "status": "degraded",
            "components": {"dynamodb": "down", "vectors": "ok", "queue": "down", "blobs": "down"},
            "version": "0.1.0",
            "postgres": {"status": "error", "detail": "dynamodb is down", "component": "dynamodb"},
            "qdrant": {"status": "ok", "detail": None, "component": "vectors"},
            "redis": {"status": "error", "detail": "queue is down", "component": "queue"},
        }
