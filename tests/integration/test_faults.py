"""Fault injection: a throttled metadata store, and the per-token request budget."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings
from tests.support.api import PASSWORD, signup, unique
from tests.support.clock import FakeClock
from tests.support.faulty_proxy import Faults, faulty_dynamodb


@pytest.fixture
def throttled(
    aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[TestClient, Faults]]:
    with faulty_dynamodb(aws_endpoint) as faults:
        settings = make_settings(faults.url, aws_env, tmp_path, dynamodb_max_retries=3)
        with TestClient(create_app(build_services(settings))) as client:
            yield client, faults


def _body() -> dict[str, str]:
    slug = unique("thr")
    return {
        "tenant_name": slug,
        "tenant_slug": slug,
        "owner_email": f"{slug}@example.com",
        "owner_password": PASSWORD,
    }


def test_transient_throttling_is_retried_invisibly(throttled: tuple[TestClient, Faults]) -> None:
    client, faults = throttled
    faults.fail_next = 2
    response = client.post("/v1/tenants", json=_body())
    assert response.status_code == 201 and faults.failed == 2


def test_exhausted_retries_are_503_and_nothing_is_half_written(throttled: tuple[TestClient, Faults]) -> None:
    client, faults = throttled
    body = _body()
    faults.fail_next = -1
    failed = client.post("/v1/tenants", json=body)
    assert failed.status_code == 503 and int(failed.headers["retry-after"]) > 0
    assert faults.failed >= 4, "the client retried before giving up"
    faults.fail_next = 0
    login = client.post("/v1/auth/login", json={"email": body["owner_email"], "password": PASSWORD})
    assert login.status_code == 401, "no owner was left behind"
    assert client.post("/v1/tenants", json=body).status_code == 201, (
        "the slug was not taken by a partial write"
    )


def test_api_tokens_have_a_request_budget(aws_endpoint: str, aws_env: dict[str, str], tmp_path: Path) -> None:
    settings = make_settings(aws_endpoint, aws_env, tmp_path, api_token_requests_per_minute=3)
    with TestClient(create_app(build_services(settings, clock=FakeClock()))) as client:  # one fixed window
        tenant = signup(client)
        codes = [client.get("/v1/tenants/me", headers=tenant.headers).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        other = signup(client)
        assert client.get("/v1/tenants/me", headers=other.headers).status_code == 200, "budgets are per token"
