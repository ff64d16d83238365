"""What a new customer reads on the dashboard: health rows, citations, source states, form defaults and
errors that a person can act on."""

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.steps import go, sign_in
from tests.support.api import signup

pytestmark = pytest.mark.browser


def test_settings_shows_queues_models_version_and_api_docs(
    page: Any, app_url: str, client: TestClient
) -> None:
    tenant = signup(client)

    def models_loading(route: Any) -> None:
        report = route.fetch().json()
        report["components"]["models"] = "loading"
        report["queues"]["ingest_dlq"] = {"waiting": 2, "in_flight": 0}
        report["postgres"] = {"status": "ok", "detail": None, "component": "dynamodb"}  # the original's keys
        route.fulfill(json=report)

    page.route("**/v1/system/health/detailed", models_loading)
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Settings")

    main = page.locator("main")
    queues = page.get_by_role("table", name="Queues")
    expect(queues.locator("tr[data-queue='ingest'] td").nth(0)).to_have_text("Ingest")
    expect(queues.locator("tr[data-queue='ingest'] td").nth(1)).to_have_text(re.compile(r"^\d[\d,]*$"))
    expect(queues.locator("tr[data-queue='ingest_dlq']")).to_contain_text("needs attention")
    expect(queues.locator("tr[data-queue='webhooks_dlq']")).to_contain_text("ok")
    expect(main.get_by_text("models", exact=True)).to_be_visible()
    expect(main.locator(".badge.loading")).to_have_text("loading")
    expect(main).to_contain_text("environment")
    expect(main).not_to_contain_text("[object Object]")
    expect(main).not_to_contain_text("postgres")
    expect(page.get_by_test_id("api-version")).to_have_text(
        client.get("/openapi.json").json()["info"]["version"]
    )
    docs = page.get_by_role("link", name="Interactive API docs (/docs)")
    assert docs.get_attribute("href") == f"{app_url}/docs"
    assert json.loads(page.request.get(f"{app_url}/openapi.json").text())["info"]["title"] == "MiniRAG"
