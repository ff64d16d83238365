"""DynamoDB calls made by the stats and export reads, counted where every DynamoDB call is sent."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.wire import observing
from minirag.api.app import create_app
from minirag.bootstrap import Services, build_services
from minirag.domain.errors import ConflictError
from minirag.domain.models import Principal
from tests.conftest import make_settings
from tests.integration.test_export_stats import seed
from tests.support.api import TenantCtx, signup
from tests.support.clock import FakeClock
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import add_text, make_bot
from tests.support.worker import IngestWorker

USAGE_ROWS = "Query(TENANT#USAGE/DAY/DAY)"
BOT_LIST = "Query(TENANT/BOT)"
ONE_CHAT = "GetItem(TENANT/CHAT)"
CHAT_LIST = "Query(TENANT/CHAT)"
MESSAGES = "Query(TENANT#CHAT/MSG)"
Get = Callable[..., tuple[Any, list[str]]]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply="You get 27 days [1].") as server:
        yield server


def shape(operation: str, params: dict[str, Any]) -> str:
    """A call as its operation and key names without ids: TENANT#t1#CHAT#c1 reads as TENANT#CHAT."""
    values = (params.get("Key") or params.get("ExpressionAttributeValues") or {}).values()
    names = ["#".join(v["S"].split("#")[::2]) for v in values if "S" in v]
    return f"{operation}({'/'.join(names)})"


@pytest.fixture
def counted_get(
    services: Services,
    aws_endpoint: str,
    aws_env: dict[str, str],
    clock: FakeClock,
) -> Iterator[Get]:
    """GET through a fresh app, recording each DynamoDB call; the route is called once before it is
    counted, as in benchmarks/bench_api.py."""
    calls: list[str] = []
    settings = make_settings(
        aws_endpoint,
        aws_env,
        services.settings.data_dir,
        jwt_secret=services.settings.jwt_secret,
        fernet_keys=services.settings.fernet_keys,
    )
    record = observing(lambda operation, params: calls.append(shape(operation, params)))
    with TestClient(create_app(build_services(settings, clock=clock))) as app, record:

        def get(path: str, headers: dict[str, str]) -> tuple[Any, list[str]]:
            app.get(path, headers=headers)
            calls.clear()
            response = app.get(path, headers=headers)
            assert response.status_code == 200, response.text
            return response, list(calls)

        yield get


def test_cost_estimate_reads_the_daily_usage_once_and_keeps_its_values(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI, counted_get: Get
) -> None:
    tenant, _ = seed(client, worker, fake)
    response, calls = counted_get("/v1/stats/cost-estimate", tenant.headers)
    assert calls.count(USAGE_ROWS) == 1 and calls.count(BOT_LIST) == 1, calls

    estimate = response.json()
    get = lambda path: client.get(f"/v1/stats/{path}", headers=tenant.headers).json()  # noqa: E731
    by_model = get("usage/by-model")
    assert estimate["by_model"] == by_model, "the original's shape: the by-model rows"
    assert estimate["total_cost_usd"] == sum(m["cost_usd"] for m in by_model)
    assert estimate["by_bot"] == get("usage/by-bot"), "the original's shape: the by-bot rows"
    assert estimate["active_days"] == 1 and len(estimate["by_bot"]) == 2


def test_usage_and_feedback_by_bot_skip_the_bot_list_when_there_is_no_usage(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI, counted_get: Get
) -> None:
    idle = signup(client)
    for path in ("/v1/stats/usage/by-bot", "/v1/stats/feedback"):
        _, calls = counted_get(path, idle.headers)
        assert calls.count(USAGE_ROWS) == 1 and BOT_LIST not in calls, (path, calls)

    busy, _ = seed(client, worker, fake)
    for path in ("/v1/stats/usage/by-bot", "/v1/stats/feedback"):
        response, calls = counted_get(path, busy.headers)
        assert calls.count(USAGE_ROWS) == 1 and calls.count(BOT_LIST) == 1, (path, calls)
    assert {b["bot_name"] for b in response.json()["by_bot"]} == {"Priced", "Offline"}


def test_chat_export_reads_the_chat_once(
    client: TestClient, worker: IngestWorker, fake: FakeOpenAI, counted_get: Get
) -> None:
    tenant, seeded = seed(client, worker, fake)
    chat_id = seeded["answers"][0]["chat_id"]
    response, calls = counted_get(f"/v1/chat/{chat_id}/export", tenant.headers)
    assert calls.count(ONE_CHAT) == 1 and calls.count(MESSAGES) == 1, calls
    exported = response.json()  # the original MiniRAG's shape: {chat, messages, exported_at}
    assert exported["chat"]["id"] == chat_id and exported["exported_at"]
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"]

    response, calls = counted_get("/v1/chat/export", tenant.headers)
    assert calls.count(CHAT_LIST) == 1 and calls.count(MESSAGES) == len(response.json()["chats"]) == 3, calls
    assert ONE_CHAT not in calls


TOTALS = "Query(TENANT#USAGE/TOTALS)"  # every shard in one query


def test_overview_is_one_read_and_its_counts_follow_every_write(
    client: TestClient, services: Services, counted_get: Get
) -> None:
    tenant = signup(client)
    overview = lambda: client.get("/v1/stats/overview", headers=tenant.headers).json()  # noqa: E731
    assert (overview()["bot_profiles"], overview()["sources"]) == (0, 0)
    bots = [make_bot(client, tenant, name=f"Bot {n}") for n in range(3)]
    add_text(client, tenant, bots[0], "Alone.")
    children = [{"name": f"Page {n}", "source_type": "text", "content": f"Page {n}."} for n in range(120)]
    body = {"bot_profile_id": bots[1], "name": "Bundle", "children": children}
    created = client.post("/v1/sources/batch", json=body, headers=tenant.headers)
    assert created.status_code == 201, created.text  # 121 items: two transactions with their counts
    assert (overview()["bot_profiles"], overview()["sources"]) == (3, 122)

    assert client.delete(f"/v1/bot-profiles/{bots[2]}", headers=tenant.headers).status_code == 204
    assert client.delete(f"/v1/bot-profiles/{bots[2]}", headers=tenant.headers).status_code == 204
    parent = created.json()["parent"]["id"]
    assert client.delete(f"/v1/sources/{parent}", headers=tenant.headers).status_code == 204
    assert client.delete(f"/v1/sources/{parent}", headers=tenant.headers).status_code == 204
    counted = overview()
    active = {"include_inactive": False}
    listed_bots = client.get("/v1/bot-profiles", params=active, headers=tenant.headers).json()
    listed_sources = services.sources.list_sources(principal(services, tenant), include_children=True)
    assert counted["bot_profiles"] == len(listed_bots) == 2
    assert counted["sources"] == len(listed_sources) == 1

    response, calls = counted_get("/v1/stats/overview", tenant.headers)
    assert calls.count(TOTALS) == 1 and BOT_LIST not in calls and "Query(TENANT/SOURCE)" not in calls, calls
    assert response.json() == counted


def test_a_source_deleted_twice_at_once_is_counted_once(client: TestClient, services: Services) -> None:
    """The second delete's transaction fails its condition: nothing written, the count moves once."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Twice.")
    repo: Any = services.sources._sources  # the repository, as two API instances would both call it
    source = repo.get(tenant_id=tenant.id, source_id=source_id)
    tombstone = replace(source, is_active=False, deleted_at=source.updated_at)
    repo.retire(tenant_id=tenant.id, bot_id=bot_id, sources=[tombstone])
    # The same tombstone again finds itself stored as sent: a retry, not a conflict (nothing written)
    repo.retire(tenant_id=tenant.id, bot_id=bot_id, sources=[tombstone])
    other = replace(tombstone, name="renamed meanwhile")
    with pytest.raises(ConflictError):
        repo.retire(tenant_id=tenant.id, bot_id=bot_id, sources=[other])
    assert client.get("/v1/stats/overview", headers=tenant.headers).json()["sources"] == 0


def principal(services: Services, tenant: TenantCtx) -> Principal:
    return services.auth.authenticate(tenant.token)
