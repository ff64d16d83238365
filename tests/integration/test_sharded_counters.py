"""Sharded usage counters: the stats routes answer the same numbers for the same turns whether the counts
were written unsharded (every item written before the shards), sharded, or half and half."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirag.adapters.dynamodb import chats as chat_module
from minirag.adapters.dynamodb import keys
from minirag.adapters.dynamodb import stats as stats_module
from minirag.adapters.dynamodb.items import UsageItem
from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.bootstrap import Services, dynamo_config
from tests.support.api import TenantCtx, signup
from tests.support.fake_openai import FakeOpenAI
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

SHARD = stats_module.shard
ROUTES = (
    "overview",
    "usage",
    "usage/by-bot",
    "usage/by-model",
    "cost-estimate",
    "feedback",
    "feedback/trend",
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply="You get 27 days [1].") as server:
        yield server


def unsharded(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    """on: every counter write goes to the key it had before sharding (shard None), as older code wrote."""
    pick = (lambda: None) if on else SHARD
    monkeypatch.setattr(stats_module, "shard", pick)
    monkeypatch.setattr(chat_module, "shard", pick)


class Traffic:
    """The same tenant history, in steps; `legacy_steps` of them written with the unsharded keys."""

    def __init__(self, client: TestClient, worker: IngestWorker, fake: FakeOpenAI) -> None:
        self.client, self.worker, self.fake = client, worker, fake

    def run(self, monkeypatch: pytest.MonkeyPatch, legacy_steps: int) -> TenantCtx:
        tenant = signup(self.client)
        steps = self._steps(tenant)
        for n, step in enumerate(steps):
            unsharded(monkeypatch, n < legacy_steps)
            step()
        unsharded(monkeypatch, False)
        return tenant

    def _steps(self, tenant: TenantCtx) -> list[Any]:
        c, h = self.client, tenant.headers
        bots: dict[str, str] = {}
        answers: list[dict[str, Any]] = []

        def setup() -> None:
            credentials = {"api_key": "k", "api_base": self.fake.base_url}
            bots["priced"] = make_bot(
                c, tenant, name="Priced", model="openai/gpt-4o-mini", credentials=credentials
            )
            bots["offline"] = make_bot(c, tenant, name="Offline")
            ingest(c, self.worker, tenant, add_text(c, tenant, bots["priced"], HANDBOOK))

        def chat(bot: str, text: str, follow_up: bool = False) -> Any:
            def step() -> None:
                body = {"bot_profile_id": bots[bot], "message": text}
                if follow_up:
                    body["chat_id"] = answers[-1]["chat_id"]
                response = c.post("/v1/chat", json=body, headers=h)
                assert response.status_code == 200, response.text
                answers.append(response.json())

            return step

        def feedback() -> None:
            a = answers[0]
            url = f"/v1/chat/{a['chat_id']}/messages/{a['message']['id']}/feedback"
            assert c.patch(url, json={"feedback": "positive"}, headers=h).status_code == 200

        def retrieve() -> None:
            url = f"/v1/bot-profiles/{bots['priced']}/retrieve"
            assert c.post(url, json={"query": "holidays"}, headers=h).status_code == 200

        return [
            setup,
            chat("priced", "Holidays?"),
            chat("priced", "And expenses?", follow_up=True),
            chat("offline", "Expenses?"),
            feedback,
            retrieve,
            chat("priced", "Office hours?"),
            chat("offline", "Holidays?"),
            retrieve,
        ]


def answers(client: TestClient, tenant: TenantCtx) -> dict[str, Any]:
    """Every stats route's answer, bot ids replaced by a placeholder (each tenant has its own bots)."""
    bot_ids = [b["id"] for b in client.get("/v1/bot-profiles", headers=tenant.headers).json()]
    out = {}
    for route in ROUTES:
        response = client.get(f"/v1/stats/{route}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        text = response.text
        for bot_id in bot_ids:
            text = text.replace(bot_id, "<bot>")
        out[route] = json.loads(text)
    return out


def usage_sort_keys(services: Services, tenant: TenantCtx) -> list[str]:
    usage = DynamoTables(dynamo_config(services.settings)).model(UsageItem)
    return [item.sk for item in usage.query(keys.usage_pk(tenant.id))]


def test_stats_are_the_same_unsharded_sharded_and_mixed(
    client: TestClient,
    services: Services,
    worker: IngestWorker,
    fake: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    traffic = Traffic(client, worker, fake)
    before = traffic.run(monkeypatch, legacy_steps=99)  # all written as before the shards
    after = traffic.run(monkeypatch, legacy_steps=0)
    mixed = traffic.run(monkeypatch, legacy_steps=4)  # older items, then shards beside them

    legacy_keys = usage_sort_keys(services, before)
    assert "TOTALS" in legacy_keys and not any("#SHARD#" in sk for sk in legacy_keys)
    assert any(sk.startswith("TOTALS#SHARD#") for sk in usage_sort_keys(services, after))
    mixed_keys = usage_sort_keys(services, mixed)
    assert "TOTALS" in mixed_keys and any("#SHARD#" in sk for sk in mixed_keys)

    expected = answers(client, before)
    assert expected["overview"]["messages"] == 10 and expected["overview"]["retrievals"] == 2
    assert answers(client, after) == expected
    assert answers(client, mixed) == expected


def test_turns_spread_over_the_shards(client: TestClient, services: Services) -> None:
    """Many turns of one bot on one day land on many items, and the stats still count each once."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Busy")
    for n in range(12):
        body = {"bot_profile_id": bot_id, "message": f"Question {n}?"}
        assert client.post("/v1/chat", json=body, headers=tenant.headers).status_code == 200
    sort_keys = usage_sort_keys(services, tenant)
    assert len([sk for sk in sort_keys if sk.startswith("TOTALS#SHARD#")]) > 3
    assert len([sk for sk in sort_keys if "#BOT#" in sk]) > 3
    overview = client.get("/v1/stats/overview", headers=tenant.headers).json()
    assert (overview["chats"], overview["messages"]) == (12, 24)
    usage = client.get("/v1/stats/usage", headers=tenant.headers).json()
    assert len(usage) == 1 and usage[0]["request_count"] == 12
    by_bot = client.get("/v1/stats/usage/by-bot", headers=tenant.headers).json()
    assert len(by_bot) == 1 and by_bot[0]["request_count"] == 12
