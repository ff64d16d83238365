"""Chat's cached live tags follow the bot's sources revision, across processes, on the real table."""

from typing import Any

from fastapi.testclient import TestClient

from minirag.adapters.dynamodb.bots import DynamoBotRepository
from minirag.adapters.dynamodb.sources import DynamoSourceRepository
from minirag.adapters.dynamodb.tables import DynamoTables
from minirag.bootstrap import Services, dynamo_config
from minirag.domain.knowledge import BotProfile, Source
from minirag.services.retrieval import LiveSources
from tests.support.api import signup
from tests.support.knowledge import add_text, ingest, make_bot
from tests.support.worker import IngestWorker


class CountingSources:
    """The real repository, counting the list queries chat would make."""

    def __init__(self, inner: DynamoSourceRepository) -> None:
        self.inner = inner
        self.lists = 0

    def list_all(self, *, tenant_id: str) -> list[Source]:
        self.lists += 1
        return self.inner.list_all(tenant_id=tenant_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def other_process(services: Services) -> tuple[DynamoBotRepository, CountingSources]:
    """Repositories of their own wiring, as the chat function in another Lambda instance has."""
    tables = DynamoTables(dynamo_config(services.settings))
    return DynamoBotRepository(tables), CountingSources(DynamoSourceRepository(tables))


def test_live_tags_follow_the_revision_across_processes(
    client: TestClient, worker: IngestWorker, services: Services
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Lunch is served from noon.", name="Cafeteria")
    assert ingest(client, worker, tenant, source_id)["status"] == "ready"
    bots, sources = other_process(services)
    clock = Clock()
    live = LiveSources(sources, max_age_s=60, now=clock)  # type: ignore[arg-type]

    def bot() -> BotProfile:
        found = bots.get(tenant_id=tenant.id, bot_id=bot_id)
        assert found is not None and found.sources_rev is not None
        return found

    first = bot()
    assert live.of(first) == [(source_id, f"{source_id}:1")] and sources.lists == 1
    assert live.of(bot()) == [(source_id, f"{source_id}:1")] and sources.lists == 1  # same revision: cached

    # Re-ingested by the ingest function (another wiring): version 2 goes live, the revision changes.
    client.patch(
        f"/v1/sources/{source_id}", json={"content": "Lunch is served from one."}, headers=tenant.headers
    )
    assert ingest(client, worker, tenant, source_id)["status"] == "ready"
    stored = sources.inner.get(tenant_id=tenant.id, source_id=source_id)
    assert stored is not None and stored.version == 2
    second = bot()
    assert second.sources_rev != first.sources_rev
    assert live.of(second) == [(source_id, f"{source_id}:2")] and sources.lists == 2

    # Switched off by the API: gone at once for the next turn.
    client.patch(f"/v1/sources/{source_id}", json={"is_active": False}, headers=tenant.headers)
    assert live.of(bot()) == [] and sources.lists == 3

    # A bot edit writes a new revision too (a whole-item put never restores an old one).
    client.patch(f"/v1/sources/{source_id}", json={"is_active": True}, headers=tenant.headers)
    assert live.of(bot()) == [(source_id, f"{source_id}:2")] and sources.lists == 4
    before_edit = bot().sources_rev
    client.patch(f"/v1/bot-profiles/{bot_id}", json={"name": "Renamed"}, headers=tenant.headers)
    assert bot().sources_rev not in (None, before_edit)

    # Deleted: no live tag, whatever the cache held.
    cached = bot()
    live.of(cached)
    lists = sources.lists
    assert client.delete(f"/v1/sources/{source_id}", headers=tenant.headers).status_code == 204
    assert live.of(bot()) == [] and sources.lists == lists + 1


def test_a_cached_list_expires(client: TestClient, worker: IngestWorker, services: Services) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    source_id = add_text(client, tenant, bot_id, "Parking is free on weekends.")
    ingest(client, worker, tenant, source_id)
    bots, sources = other_process(services)
    clock = Clock()
    live = LiveSources(sources, max_age_s=60, now=clock)  # type: ignore[arg-type]
    bot = bots.get(tenant_id=tenant.id, bot_id=bot_id)
    assert bot is not None
    live.of(bot)
    clock.t += 59
    live.of(bot)
    assert sources.lists == 1
    clock.t += 2
    live.of(bot)
    assert sources.lists == 2


def test_a_bot_without_a_revision_is_never_cached(services: Services, client: TestClient) -> None:
    """Items written before revisions existed carry none: read every time, never reuse."""
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    bots, sources = other_process(services)
    bot = bots.get(tenant_id=tenant.id, bot_id=bot_id)
    assert bot is not None
    bot.sources_rev = None
    live = LiveSources(sources)  # type: ignore[arg-type]
    live.of(bot)
    live.of(bot)
    assert sources.lists == 2
