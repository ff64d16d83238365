"""The dashboard's source form adds a NyxCore source: the token goes out once and never comes back."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from tests.browser.conftest import ingest_until
from tests.browser.steps import go, sign_in
from tests.support.api import signup
from tests.support.fake_nyxcore import TOKEN, fake_nyxcore
from tests.support.knowledge import make_bot
from tests.support.worker import IngestWorker

pytestmark = pytest.mark.browser


def test_a_nyxcore_source_is_added_checked_and_never_shows_its_token(
    page: Any, app_url: str, client: TestClient, worker: IngestWorker
) -> None:
    tenant = signup(client)
    make_bot(client, tenant, name="Rules bot")
    sign_in(page, app_url, tenant.owner_email)
    go(page, "Sources")
    page.get_by_role("button", name="Add source").click()
    add = page.get_by_role("form", name="Add a source")
    add.get_by_role("tab", name="NyxCore").click()
    with fake_nyxcore() as nyx:
        add.get_by_label("Name").fill("Company rules")
        add.get_by_label("NyxCore URL").fill(nyx.url)
        add.get_by_label("API token").fill(TOKEN)
        add.get_by_label("mandatory").check()
        add.get_by_label("Passages per question").fill("5")
        add.get_by_role("button", name="Add source").click()
        expect(page.get_by_text('Source "Company rules" added')).to_be_visible()
        row = page.locator("tr[data-source='Company rules']")
        ingest_until(worker, lambda: row.locator(".badge.status").inner_text() == "ready")
        assert [r.path for r in nyx.received] == ["/api/v1/rag/documents"]

    (made,) = client.get("/v1/sources", headers=tenant.headers).json()
    assert made["source_type"] == "nyxcore" and made["document_count"] == 2
    assert made["config"] == {
        "base_url": nyx.url,
        "limit": 5,
        "authority": ["mandatory"],
        "has_api_token": True,
    }
    expect(row).to_contain_text("nyxcore")
    assert TOKEN not in page.content()
