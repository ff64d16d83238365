"""Scheduled refresh: the real refresh handler with the EventBridge Scheduler event from events/."""

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from functions.refresh.handler import make_handler
from minirag.bootstrap import Services
from tests.support.api import signup
from tests.support.clock import FakeClock
from tests.support.knowledge import ingest, make_bot, source
from tests.support.sites import serve_site
from tests.support.worker import IngestWorker

EVENT = json.loads((Path(__file__).parents[2] / "events" / "scheduler_refresh.json").read_text())


def fire(services: Services) -> dict[str, Any]:
    result: dict[str, Any] = make_handler(services)(EVENT, None)
    return result


def test_due_sources_refresh_once_and_unchanged_content_writes_nothing(
    client: TestClient, worker: IngestWorker, services: Services, clock: FakeClock
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant)
    with serve_site() as site:
        daily_url = site.add(
            "/daily", "<html><body><h1>Prices</h1><p>Widgets cost 10 euros.</p></body></html>"
        )
        weekly_url = site.add("/weekly", "<html><body><p>Opening hours are nine to five.</p></body></html>")
        daily = client.post(
            "/v1/sources",
            headers=tenant.headers,
            json={
                "bot_profile_id": bot_id,
                "name": "Daily",
                "source_type": "url",
                "config": {"url": daily_url},
                "refresh_schedule": "daily",
            },
        ).json()
        weekly = client.post(
            "/v1/sources",
            headers=tenant.headers,
            json={
                "bot_profile_id": bot_id,
                "name": "Weekly",
                "source_type": "url",
                "config": {"url": weekly_url},
                "refresh_schedule": "weekly",
            },
        ).json()
        first = ingest(client, worker, tenant, daily["id"])
        ingest(client, worker, tenant, weekly["id"])
        version = services.sources.get(services.auth.authenticate(tenant.token), daily["id"]).version
        points = services.vectors.count(tenant_id=tenant.id, source_id=daily["id"])
        hits_before = dict(site.hits)

        assert fire(services)["enqueued"] == 0, "nothing is due yet"
        clock.advance(86_400 + 60)
        report = fire(services)
        assert report["enqueued"] >= 1
        assert fire(services)["enqueued"] == 0, "a source already queued is not queued twice"
        worker.drain()
        assert site.hits["/daily"] == hits_before["/daily"] + 1
        assert site.hits["/weekly"] == hits_before["/weekly"], "the weekly source was not due"
        after = source(client, tenant, daily["id"])
        assert after["status"] == "ready" and after["last_refreshed_at"] > first["last_refreshed_at"]
        assert after["next_refresh_at"] > first["next_refresh_at"]
        assert services.sources.get(services.auth.authenticate(tenant.token), daily["id"]).version == version
        assert services.vectors.count(tenant_id=tenant.id, source_id=daily["id"]) == points

        site.add("/daily", "<html><body><h1>Prices</h1><p>Widgets now cost 12 euros.</p></body></html>")
        clock.advance(86_400 + 60)
        fire(services)
        worker.drain()
        changed = services.sources.get(services.auth.authenticate(tenant.token), daily["id"])
        assert changed.version == version + 1 and changed.status.value == "ready"
