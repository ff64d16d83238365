"""Steps for knowledge tests: make a bot, add a source, ingest it, read it back."""

from typing import Any

from fastapi.testclient import TestClient

from tests.support.api import TenantCtx
from tests.support.worker import IngestWorker


def make_bot(client: TestClient, tenant: TenantCtx, **fields: Any) -> str:
    response = client.post("/v1/bot-profiles", json={"name": "Docs bot", **fields}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    bot_id: str = response.json()["id"]
    return bot_id


def add_text(client: TestClient, tenant: TenantCtx, bot_id: str, content: str, name: str = "Notes") -> str:
    body = {"bot_profile_id": bot_id, "name": name, "source_type": "text", "content": content}
    response = client.post("/v1/sources", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    source_id: str = response.json()["id"]
    return source_id


def ingest(client: TestClient, worker: IngestWorker, tenant: TenantCtx, source_id: str) -> dict[str, Any]:
    response = client.post(f"/v1/sources/{source_id}/ingest", headers=tenant.headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    worker.drain()
    return source(client, tenant, source_id)


def source(client: TestClient, tenant: TenantCtx, source_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/sources/{source_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


HANDBOOK = """# Employee handbook

## Holidays
Every employee gets 27 days of paid holiday a year. Unused days carry over until March 31.

## Expenses
Submit receipts within 30 days. Travel is reimbursed at cost; meals up to 40 euros a day.

## Security
Laptops must use full-disk encryption. Report lost devices to security@example.com within one hour.
"""
