"""`make screenshots`: every page of the dashboard, with a little data, at 1366 and 390 px wide, written to
docs/screenshots/<page>-<width>.png for docs/admin-guide.md. Skipped unless MINIRAG_SCREENSHOTS=1, so the
suite does not spend a minute on pictures."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.steps import sign_in
from tests.support.api import signup
from tests.support.knowledge import HANDBOOK, add_text, ingest, make_bot
from tests.support.worker import IngestWorker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("MINIRAG_SCREENSHOTS") != "1", reason="make screenshots sets it"),
]
OUT = Path(__file__).parents[2] / "docs" / "screenshots"
PAGES = ["overview", "bots", "sources", "chats", "usage", "webhooks", "tokens", "users", "settings"]
WIDTHS = {1366: 900, 390: 844}


def _shoot(page: Any, name: str, width: int) -> None:
    page.wait_for_timeout(500)  # charts draw, lists poll once
    page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True, animations="disabled")


def test_screenshots_of_every_page_at_both_widths(
    new_page: Callable[..., Any], app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    bot_id = make_bot(client, tenant, name="Handbook bot")
    ingest(client, worker, tenant, add_text(client, tenant, bot_id, HANDBOOK, name="Handbook"))
    question = {"bot_profile_id": bot_id, "message": "How many days of paid holiday do I get?"}
    assert client.post("/v1/chat", json=question, headers=tenant.headers).status_code == 200
    hook = {"url": "http://127.0.0.1:9/hooks/minirag", "events": ["source.ingested"]}
    client.post("/v1/webhooks", json=hook, headers=tenant.headers)
    OUT.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        page = new_page(width=width, height=height)
        sign_in(page, app_url, tenant.owner_email)
        for name in PAGES:
            page.goto(f"{app_url}/dashboard/#/{name}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            _shoot(page, name, width)
        page.goto(f"{app_url}/dashboard/#/bots?id={bot_id}")
        ask = page.get_by_role("textbox", name="Message")
        ask.fill("How many days of paid holiday do I get?")
        ask.press("Enter")
        expect(page.locator(".msg.assistant .feedback").last).to_be_visible(timeout=90_000)
        _shoot(page, "try-it", width)
        if width < 760:
            page.get_by_role("button", name="Menu").click()
            _shoot(page, "menu", width)
