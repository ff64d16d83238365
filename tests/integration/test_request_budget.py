"""The per-token request budget through the API: exact, and leased from the shared counter in blocks."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.wire import observing
from minirag.api.app import create_app
from minirag.bootstrap import build_services
from tests.conftest import make_settings
from tests.support.api import signup
from tests.support.clock import FakeClock

LIMIT = 200  # a block of 10


class CounterWrites:
    """The UpdateItem calls on API-token counters, seen where every DynamoDB call is sent."""

    def __init__(self) -> None:
        self.count = 0

    def on_call(self, operation: str, params: dict[str, Any]) -> None:
        partition = params.get("Key", {}).get("pk", {}).get("S", "")
        if operation == "UpdateItem" and partition.startswith("RATE#token#"):
            self.count += 1


@pytest.fixture
def counter_writes() -> Iterator[CounterWrites]:
    writes = CounterWrites()
    with observing(writes.on_call):
        yield writes


@pytest.fixture
def window_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def budget_client(
    counter_writes: CounterWrites,
    window_clock: FakeClock,
    aws_endpoint: str,
    aws_env: dict[str, str],
    tmp_path: Path,
) -> Iterator[TestClient]:
    settings = make_settings(aws_endpoint, aws_env, tmp_path, api_token_requests_per_minute=LIMIT)
    with TestClient(create_app(build_services(settings, clock=window_clock))) as client:
        yield client


def test_a_token_writes_its_counter_once_per_block_and_stops_at_the_limit(
    budget_client: TestClient, counter_writes: CounterWrites, window_clock: FakeClock
) -> None:
    tenant = signup(budget_client)
    codes = {budget_client.get("/v1/tenants/me", headers=tenant.headers).status_code for _ in range(LIMIT)}
    assert codes == {200}
    assert counter_writes.count == LIMIT // 10, "one counter write per block of 10 requests"
    refused = budget_client.get("/v1/tenants/me", headers=tenant.headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert counter_writes.count == LIMIT // 10, "a spent window refuses without writing"
    window_clock.advance(60)
    assert budget_client.get("/v1/tenants/me", headers=tenant.headers).status_code == 200, "a new window"
    assert counter_writes.count == LIMIT // 10 + 1
